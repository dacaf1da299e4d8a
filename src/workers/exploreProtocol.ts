/**
 * Messages between the Datasets page (and the Config page) and the upload worker (exploreWorker.ts). The worker holds
 * one dataset's rows: a file's records it parsed and converted, or the canonical rows of a dataset the CLI converted
 * (`adopt`). The page asks it for the analyses over every row; it queries DuckDB-wasm itself for counts, histograms and
 * the previewed rows. Every reply carries the request's `id`.
 */
import type {Manifest} from "../core/contract/manifest.js";
import type {WorkerFailure} from "../core/contract/userError.js";
import type {Detection} from "../core/formats/index.js";
import type {ColumnStats} from "../core/recipe/columnStats.js";
import type {SequenceLimits} from "../core/tokenize/measureRow.js";
import type {Analysis, AnalyzeRequest, EncodedIds, TokenAnalysis} from "./analysis.js";

export type {Analysis, AnalyzeRequest, EncodedIds, PartitionSummary, QualityFacts, TokenAnalysis} from "./analysis.js";

export type ExploreRequestBody =
  /** A file, or the bytes of a shipped sample; `name` names its row ids (`name:row`), so it must be the name `convert` sees. */
  | {type: "open"; file: Blob; name: string}
  /** Replies "progress" while the opened file is read (after "opened"), then "read" with its totals. */
  | {type: "read"}
  /** Replies "partial" (the first `partialRows` records, for a preview at once) and then "converted" (every record). */
  | {type: "convert"; format: string | null; map: string | null; evalRatio: number; seed: number; partialRows: number}
  /** The converted rows as the canonical table (Arrow IPC stream), for DuckDB-wasm. */
  | {type: "arrow"}
  /** Column statistics of the file's records (computed on request: the first results do not wait for them). */
  | {type: "columns"}
  /** sha256 of the file as given, for the recipe. */
  | {type: "digest"}
  /** The canonical rows of a dataset the CLI converted (its cache entry's Arrow stream), with how its eval split was made. */
  | {type: "adopt"; arrow: Uint8Array; splitMethod: "source" | "seeded"; evalRatio: number; source: string; manifest: Manifest; format: string; formatTitle: string}
  | ({type: "analyze"} & AnalyzeRequest)
  | {type: "tokens"; packed: Int32Array[]; limits: SequenceLimits}
  /** Ids the filter keeps (as DuckDB-wasm returned them); null keeps every row. */
  | {type: "outputs"; kept: EncodedIds | null};

export type ExploreRequest = ExploreRequestBody & {id: number};

export interface Opened {
  name: string;
  bytes: number;
  kind: string;
  gzip: boolean;
  /** Top-level keys of the first parsed records, most frequent first (the mapping editor's choices). */
  keys: string[];
  /** Detection on the first DETECTION_SAMPLE_SIZE parsed records (answered before the rest of the file is read); null when no format fits (then `detectionError` says why). */
  detection: Detection | null;
  detectionError: {message: string; columns: string[]} | null;
  /** The first parsed records, for the page to show as they are. */
  examples: Array<{row: number; value: unknown}>;
}

/** The opened file read to its end: records read (parsed or not), those that did not parse, and how long it took. */
export interface ReadTotals {
  rows: number;
  unparsable: number;
  unparsableExamples: Array<{row: number; reason: string}>;
  seconds: number;
}

export interface PreviewRow {
  id: string;
  eval: boolean;
  prompt: string | null;
  chosen: string | null;
  rejected: string | null;
}

/** A conversion's counts and what the page shows before any query: the lengths histograms and the first rows. */
export interface Converted {
  /** True for the reply about the first records only; the reply about every record follows. */
  partial: boolean;
  format: string;
  formatTitle: string;
  /** Records read so far (all of them unless partial). */
  read: number;
  converted: number;
  rejected: number;
  rejects: Array<{row: number; reason: string}>;
  /** local/jsonfile deviations by kind (see localJsonDeviation), as the manifest would list them. */
  deviations: Array<{rows: number; firstId: string; summary: string}>;
  /** String lengths of the converted rows per side, row by row, -1 where the row has no such side. */
  lengths: {prompt: Int32Array; chosen: Int32Array; rejected: Int32Array};
  /** The first converted rows, as DS-Chat will read them. */
  preview: PreviewRow[];
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
  | {id: number; type: "read"; result: ReadTotals}
  | {id: number; type: "partial"; result: Converted}
  | {id: number; type: "converted"; result: Converted}
  | {id: number; type: "arrow"; result: Uint8Array}
  | {id: number; type: "columns"; result: ColumnStats[]}
  | {id: number; type: "digest"; result: string}
  | {id: number; type: "analyzed"; result: Analysis}
  | {id: number; type: "tokens"; result: TokenAnalysis}
  | {id: number; type: "outputs"; result: Outputs}
  | {id: number; type: "error"; error: WorkerFailure};
