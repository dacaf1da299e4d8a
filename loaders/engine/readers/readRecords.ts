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
  "jsonl": (file, {onBytes}) => readJsonLines(file.path, {source: file.source, gzip: file.gzip, onBytes}),
  "json-array": (file, {onBytes}) => readJsonArray(file.path, {source: file.source, gzip: file.gzip, onBytes}),
  "csv": (file, {onBytes}) => readDelimited(file.path, {source: file.source, gzip: file.gzip, delimiter: ",", onBytes}),
  "tsv": (file, {onBytes}) => readDelimited(file.path, {source: file.source, gzip: file.gzip, delimiter: "\t", onBytes}),
  "text-lines": (file, {onBytes}) => readText(file.path, {source: file.source, gzip: file.gzip, paragraphs: false, onBytes}),
  "text-paragraphs": (file, {onBytes}) => readText(file.path, {source: file.source, gzip: file.gzip, paragraphs: true, onBytes}),
  "parquet": (file, {onBytes}) => readParquet(file.path, {source: file.source, bytes: file.bytes, onBytes}),
  "arrow": (file, {onBytes}) => readArrow(file.path, {source: file.source, bytes: file.bytes, onBytes})
};

/** The records of one input file, in batches, in file order. */
export function readRecords(file: InputFile, options: ReadOptions = {}): AsyncGenerator<RecordItem[]> {
  return readers[file.kind](file, options);
}
