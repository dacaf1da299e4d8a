import {decodeTextChunks} from "../../../src/core/records/scanText.js";
import {readFileBytes} from "./byteStream.js";
import type {ReadOptions} from "./recordItem.js";

/**
 * A text file (plain or gzip) decoded as UTF-8, chunk by chunk, without its byte order mark (the rules:
 * src/core/records/scanText.ts); `lineNow` is the reader's line, for the error about bytes that are not UTF-8.
 */
export function readTextChunks(path: string, {source, gzip, onBytes, onWarning}: {source: string; gzip: boolean} & ReadOptions, lineNow: () => number): AsyncGenerator<string> {
  return decodeTextChunks(readFileBytes(path, {source, gzip, onBytes, onWarning}), {source, lineNow});
}
