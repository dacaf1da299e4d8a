import {TextLinesScanner} from "../../../src/core/records/textScanner.js";
import {scanTextChunks} from "../../../src/core/records/scanText.js";
import {readFileBytes} from "./byteStream.js";
import type {ReadOptions, RecordItem} from "./recordItem.js";

export {textLayout} from "../../../src/core/records/textScanner.js";

/**
 * Plain text (.txt, plain or gzip), streamed (the rules: src/core/records/textScanner.ts): one `{text}` record per
 * non-blank line, or per block of lines separated by blank lines (`paragraphs`).
 */
export function readText(path: string, {source, gzip, paragraphs, onBytes, onWarning}: {source: string; gzip: boolean; paragraphs: boolean} & ReadOptions): AsyncGenerator<RecordItem[]> {
  return scanTextChunks(readFileBytes(path, {source, gzip, onBytes, onWarning}), new TextLinesScanner(paragraphs), source);
}
