/**
 * The records every reader yields, in the engine (loaders/engine/readers) and in the Datasets page's upload worker alike.
 * Isomorphic: no Node or DOM imports.
 */
/** What every reader yields, in batches: a parsed record, or a row that could not be parsed (a counted reject). */
export type RecordItem = ParsedRecord | UnparsableRecord;

export interface ParsedRecord {
  /** 1-based row: the line number for JSON Lines, the record index for arrays, CSV, Parquet and Arrow. */
  row: number;
  /** 1-based line where the record starts, for text formats. */
  line: number | null;
  /** A plain JSON value (objects, arrays, strings, finite numbers, booleans, null). */
  value: unknown;
}

export interface UnparsableRecord {
  row: number;
  line: number | null;
  failure: string;
  /** At most ~200 characters of the raw text. */
  excerpt: string;
}

/** The file kinds the engine reads, decided by content (and, for CSV/TSV and plain text, by name). */
export type FileKind = "jsonl" | "json-array" | "csv" | "tsv" | "text-lines" | "text-paragraphs" | "parquet" | "arrow";

export interface ReadOptions {
  /** Called with the number of file bytes (compressed, as on disk) consumed since the last call. */
  onBytes?: (bytes: number) => void;
  /** Told about input read with a caveat (e.g. bytes after the last gzip member, ignored as `gzip -d` does). */
  onWarning?: (message: string) => void;
}

export const EXCERPT_CHARS = 200;

/**
 * The largest record (a JSON line, an array item, a CSV row) the readers hand on: a bigger one is a counted reject.
 * Far above any real chat row, and far below what one JavaScript string can hold (~512 Mi characters).
 */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

export function oversizedFailure(what: string, bytes: number): string {
  return `${what} is ${(bytes / 1024 / 1024).toFixed(0)} MiB, more than the ${MAX_RECORD_BYTES / 1024 / 1024} MiB one record may hold`;
}

export function excerptOf(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS - 1)}…` : flat;
}

/** A parser of decoded text fed chunk by chunk: JSON Lines, one JSON array, CSV or TSV, plain text. */
export interface TextRecordScanner {
  /** The current line, for error messages about the bytes around it. */
  readonly line: number;
  /** Parses what `text` completes; keeps an unfinished record for the next call. */
  push(text: string): RecordItem[];
  /** The last records once the text has ended; throws a UserError when the text ends inside a structure. */
  end(): RecordItem[];
}

/** How many parsed records format detection looks at (the engine's sample per file, and the upload worker's). */
export const DETECTION_SAMPLE_SIZE = 100;
