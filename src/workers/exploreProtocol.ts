/**
 * Messages between the Datasets page and its upload worker (exploreWorker.ts). The worker holds the parsed records of
 * one file; the page asks it to convert them (format or mapping, eval share, seed), and for the train.json/eval.json a
 * filter keeps. Every reply carries the request's `id`.
 */
import type {Detection} from "../core/formats/index.js";
import type {ColumnStats} from "../core/recipe/columnStats.js";
import type {WorkerFailure} from "../core/contract/userError.js";

export interface OpenRequest {
  type: "open";
  /** The file, or the bytes of a shipped sample. */
  file: Blob;
  /** The file's name: it names row ids (`name:row`), so it must be the name `convert` sees. */
  name: string;
}

export interface ConvertRequest {
  type: "convert";
  /** A format id, or null with `map`. */
  format: string | null;
  map: string | null;
  evalRatio: number;
  seed: number;
}

export interface OutputsRequest {
  type: "outputs";
  /** Ids the filter keeps (as DuckDB-wasm returned them); null keeps every row. */
  kept: string[] | null;
  evalRatio: number;
}

export type ExploreRequest = (OpenRequest | ConvertRequest | OutputsRequest) & {id: number};

export interface Opened {
  name: string;
  bytes: number;
  sha256: string;
  kind: string;
  gzip: boolean;
  /** Records read (parsed or not) and those that did not parse. */
  rows: number;
  unparsable: number;
  /** The first unparsable rows' reasons. */
  unparsableExamples: Array<{row: number; reason: string}>;
  columns: ColumnStats[];
  /** Detection on the first parsed records; null when no format fits (then `detectionError` says why). */
  detection: Detection | null;
  detectionError: {message: string; columns: string[]} | null;
  /** The first parsed records, for the page to show as they are. */
  examples: Array<{row: number; value: unknown}>;
  seconds: number;
}

export interface Converted {
  format: string;
  formatTitle: string;
  converted: number;
  rejected: number;
  /** The first rejects with their reasons. */
  rejects: Array<{row: number; reason: string}>;
  /** local/jsonfile deviations by kind (see localJsonDeviation), as the manifest would list them. */
  deviations: Array<{rows: number; firstId: string; summary: string}>;
  /** The canonical table (src/core/recipe/canonicalTable.ts) as an Arrow IPC stream. */
  arrow: Uint8Array;
  seconds: number;
}

export interface Outputs {
  train: string;
  eval: string;
  trainRows: number;
  evalRows: number;
  /** The row moved to eval.json because the draw left it empty, as convert does. */
  moved: string | null;
}

export interface Progress {
  bytesDone: number;
  bytesTotal: number;
  rows: number;
}

export type ExploreReply =
  | {id: number; type: "progress"; progress: Progress}
  | {id: number; type: "opened"; result: Opened}
  | {id: number; type: "converted"; result: Converted}
  | {id: number; type: "outputs"; result: Outputs}
  | {id: number; type: "error"; error: WorkerFailure};
