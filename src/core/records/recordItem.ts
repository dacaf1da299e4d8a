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

/** The file kinds the engine reads, decided by content (and, for CSV/TSV, by name). */
export type FileKind = "jsonl" | "json-array" | "csv" | "tsv" | "parquet" | "arrow";

export interface ReadOptions {
  /** Called with the number of file bytes (compressed, as on disk) consumed since the last call. */
  onBytes?: (bytes: number) => void;
}

export const EXCERPT_CHARS = 200;

export function excerptOf(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS - 1)}…` : flat;
}

/** A parser of decoded text fed chunk by chunk: JSON Lines, one JSON array, CSV or TSV. */
export interface TextRecordScanner {
  /** The current line, for error messages about the bytes around it. */
  readonly line: number;
  /** Parses what `text` completes; keeps an unfinished record for the next call. */
  push(text: string): RecordItem[];
  /** The last records once the text has ended; throws a UserError when the text ends inside a structure. */
  end(): RecordItem[];
}

/** How many parsed records format detection looks at (the engine's and the upload worker's sample). */
export const DETECTION_SAMPLE_SIZE = 100;
