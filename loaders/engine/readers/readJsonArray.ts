import {JsonArrayScanner} from "../../../src/core/records/jsonArrayScanner.js";
import {scanTextChunks} from "../../../src/core/records/scanText.js";
import {readFileBytes} from "./byteStream.js";
import type {ReadOptions, RecordItem} from "./recordItem.js";

/**
 * One top-level JSON array, streamed (the scanner: src/core/records/jsonArrayScanner.ts). Memory holds one item at a
 * time, never the file. An item that is not valid JSON is an unparsable record; a broken array makes the file unreadable.
 */
export function readJsonArray(path: string, {source, gzip, onBytes, onWarning}: {source: string; gzip: boolean} & ReadOptions): AsyncGenerator<RecordItem[]> {
  return scanTextChunks(readFileBytes(path, {source, gzip, onBytes, onWarning}), new JsonArrayScanner(source), source);
}
