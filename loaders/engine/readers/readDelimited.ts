import {DelimitedScanner} from "../../../src/core/records/delimitedScanner.js";
import {scanTextChunks} from "../../../src/core/records/scanText.js";
import {readFileBytes} from "./byteStream.js";
import type {ReadOptions, RecordItem} from "./recordItem.js";

/**
 * CSV or TSV, streamed (the scanner and its rules: src/core/records/delimitedScanner.ts). The first record is the
 * header; fields are strings, an unquoted empty field is null; a record with the wrong field count is unparsable.
 */
export function readDelimited(path: string, {source, gzip, delimiter, onBytes, onWarning}: {source: string; gzip: boolean; delimiter: "," | "\t"} & ReadOptions): AsyncGenerator<RecordItem[]> {
  return scanTextChunks(readFileBytes(path, {source, gzip, onBytes, onWarning}), new DelimitedScanner(source, delimiter), source);
}
