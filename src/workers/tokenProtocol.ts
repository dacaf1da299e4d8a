/**
 * Messages between the Datasets page and its token worker (tokenWorker.ts): build DS-Chat's view of a tokenizer once,
 * then measure partitions of rows with DS-Chat's per-phase tokenization (src/core/tokenize, src/core/stats).
 */
import type {LocalJsonRow, Phase} from "../core/canonical.js";
import type {WorkerFailure} from "../core/contract/userError.js";
import type {TokenizerReport} from "../core/stats/describeTokenizer.js";
import type {SequenceLimits} from "../core/tokenize/measureRow.js";

export interface TokenizerFilesData {
  /** tokenizer.json, parsed. */
  tokenizer: unknown;
  /** tokenizer_config.json, parsed, when there is one. */
  config: unknown | null;
  /** Where it came from, for the report. */
  source: string;
}

export type TokenRequest =
  | {id: number; type: "load"; files: TokenizerFilesData; modelName: string}
  | {id: number; type: "measure"; partitions: Array<{phase: Phase; rows: LocalJsonRow[]}>; limits: SequenceLimits}
  /** Stops a measurement still running (the rows it measures changed); no reply. */
  | {id: number; type: "stop"};

export type TokenReply =
  | {id: number; type: "loaded"; report: TokenizerReport; seconds: number}
  | {id: number; type: "progress"; done: number; total: number}
  | {id: number; type: "measured"; packed: Int32Array[]; seconds: number}
  | {id: number; type: "error"; error: WorkerFailure};
