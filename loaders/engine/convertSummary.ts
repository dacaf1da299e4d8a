/**
 * What `convertDataset` takes and returns, as types of their own: the engine (convert.ts), the manifest builder and the
 * CLI all use them, and none of those should import another for a type. The JSON a user sees is mapped from
 * `ConvertSummary` explicitly (`convert --json`, manifest.json), never serialised as is.
 */
import type {PhaseCounts} from "../../src/core/contract/manifest.js";
import type {Detection, ReasoningOption, UnusedColumn} from "../../src/core/formats/index.js";

export const DEFAULT_EVAL_RATIO = 0.1;
export const DEFAULT_SEED = 1234;

export interface ConvertOptions {
  paths: readonly string[];
  /** Folder to write train.json, eval.json, rejects.jsonl and manifest.json to; null = fill the cache only. */
  out?: string | null;
  /** Force a format by name instead of detecting it. */
  format?: string | null;
  /** Column mapping, e.g. "prompt=question,chosen=answers[0]". */
  map?: string | null;
  /** Reasoning parts: dropped or kept inline between markers (default: inline between <think> and </think>). */
  reasoning?: ReasoningOption;
  /** Share of rows drawn into eval.json when the source has no eval split of its own. */
  evalRatio?: number;
  seed?: number;
  cwd?: string;
  /** Supplies DSCHAT_STUDIO_CACHE. */
  env?: NodeJS.ProcessEnv;
  /** A validated WHERE condition over the canonical table (src/core/recipe): only the rows it keeps are written. */
  filter?: string | null;
  /** The inputs a recipe pins: each file must have this sha256, and its rows take this source name (row ids, eval draw). */
  expectedInputs?: ReadonlyArray<{source: string; sha256: string}>;
  /** Convert JSON Lines on worker threads: "auto" (default) does for inputs of 32 MiB or more. Output is identical either way. */
  workers?: boolean | "auto";
}

export interface ConvertProgress {
  bytesDone: number;
  bytesTotal: number;
  rowsRead: number;
}

export interface ConvertEffects {
  onProgress?: (progress: ConvertProgress) => void;
  /** Notes for the user while converting: a damaged cache entry being rebuilt, waiting for another run on the same key. */
  log?: (message: string) => void;
  /** Runs after every output is written, just before anything is committed; tests throw here to check atomicity. */
  beforeCommit?: () => void | Promise<void>;
}

/** One input file: its own format and counts, and the columns its format did not read. */
export interface InputSummary {
  source: string;
  format: string;
  formatTitle: string;
  /** "no records": nothing in the file parsed, so it took the first file's format (its rows are all rejects). */
  chosenBy: "detection" | "--format" | "--map" | "no records";
  detection: Detection | null;
  read: number;
  converted: number;
  rejected: number;
  reasoningRows: number;
  placeholderRows: number;
  unusedColumns: UnusedColumn[];
}

/** The format name of a conversion whose files have different formats (each file's is in `inputs`). */
export const MIXED_FORMAT = "mixed";

export interface ConvertSummary {
  /** The format of every input file, or "mixed" when they differ (see `inputs`). */
  format: string;
  formatTitle: string;
  /** What detection found (also with --format/--map, when something fits; null otherwise, and when the formats are mixed). */
  detection: Detection | null;
  /** Per input file, in the order read. */
  inputs: InputSummary[];
  reasoning: ReasoningOption;
  /** Converted rows whose messages had reasoning parts. */
  reasoningRows: number;
  rowsRead: number;
  rowsConverted: number;
  rowsRejected: number;
  /** Rows converted but left out by the filter: rowsRead = rowsConverted + rowsRejected + rowsFiltered. */
  rowsFiltered: number;
  trainRows: number;
  evalRows: number;
  /** Rows usable per DS-Chat phase, train and eval together, and per side. */
  phaseRows: PhaseCounts;
  phaseRowsBySplit: {train: PhaseCounts; eval: PhaseCounts};
  /** "source": eval.json holds the source's own test/validation/eval files; "seeded": rows drawn by hash of (seed, id). */
  splitMethod: "source" | "seeded";
  warnings: string[];
  cacheKey: string;
  /** The cache entry: canonical Parquet parts under `canonical/`, plus copies of the outputs. */
  cacheDir: string;
  cacheHit: boolean;
  out: string | null;
}
