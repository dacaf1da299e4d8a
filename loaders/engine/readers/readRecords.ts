import type {InputFile} from "../inputs.js";
import {readArrow} from "./readArrow.js";
import {readDelimited} from "./readDelimited.js";
import {readJsonArray} from "./readJsonArray.js";
import {readJsonLines} from "./readJsonLines.js";
import {readParquet} from "./readParquet.js";
import {readText} from "./readText.js";
import type {FileKind, ReadOptions, RecordItem} from "./recordItem.js";

type Reader = (file: InputFile, options: ReadOptions) => AsyncGenerator<RecordItem[]>;

/** One reader per file kind; the compiler checks that every kind has one. */
const readers: Record<FileKind, Reader> = {
  "jsonl": (file, options) => readJsonLines(file.path, {source: file.source, gzip: file.gzip, ...options}),
  "json-array": (file, options) => readJsonArray(file.path, {source: file.source, gzip: file.gzip, ...options}),
  "csv": (file, options) => readDelimited(file.path, {source: file.source, gzip: file.gzip, delimiter: ",", ...options}),
  "tsv": (file, options) => readDelimited(file.path, {source: file.source, gzip: file.gzip, delimiter: "\t", ...options}),
  "text-lines": (file, options) => readText(file.path, {source: file.source, gzip: file.gzip, paragraphs: false, ...options}),
  "text-paragraphs": (file, options) => readText(file.path, {source: file.source, gzip: file.gzip, paragraphs: true, ...options}),
  "parquet": (file, {onBytes}) => readParquet(file.path, {source: file.source, bytes: file.bytes, onBytes}),
  "arrow": (file, {onBytes}) => readArrow(file.path, {source: file.source, bytes: file.bytes, onBytes})
};

/** The records of one input file, in batches, in file order. */
export function readRecords(file: InputFile, options: ReadOptions = {}): AsyncGenerator<RecordItem[]> {
  return readers[file.kind](file, options);
}
