/** Worker entry: loads the tokenizer once, then answers `{id, phase, rows}` with the rows' packed measurements. */
import {parentPort, workerData} from "node:worker_threads";
import type {LocalJsonRow, Phase} from "../../src/core/canonical.js";
import {toWorkerFailure, type WorkerFailure} from "../../src/core/contract/userError.js";
import type {DsChatTokenizer} from "../../src/core/tokenize/dschatTokenizer.js";
import type {SequenceLimits} from "../../src/core/tokenize/measureRow.js";
import {fromPortableTokenizer, type PortableTokenizer} from "../../src/core/tokenize/portableTokenizer.js";
import type {TokenizerFiles} from "../tokenizer/resolveTokenizer.js";
import {describeTokenizer, type TokenizerReport} from "../../src/core/stats/describeTokenizer.js";
import {measureBatch} from "../../src/core/stats/measureBatch.js";

export interface MeasureWorkerData {
  files: TokenizerFiles;
  modelName: string;
  addEotToken: string | null;
  limits: SequenceLimits;
  /** The parent's tokenizer as data, when it can travel; else the worker builds it from `files`. */
  tokenizer: PortableTokenizer | null;
}

export interface MeasureRequest {
  id: number;
  phase: Phase;
  rows: LocalJsonRow[];
}

export type MeasureResponse = {id: number; packed: Int32Array} | {id: number; error: WorkerFailure};

/** Posted once, before any answer, when the worker built the tokenizer itself: the parent then need not build it for its report. */
export interface TokenizerBuiltMessage {
  tokenizerReport: TokenizerReport;
}

const {files, modelName, addEotToken, limits, tokenizer: portable} = workerData as MeasureWorkerData;
// The tokenizer library and its files are loaded only when the tokenizer could not travel as data (boot time counts here).
// A tokenizer that cannot be built (a UserError: bad files) is the answer to every request, so the parent reports it as is.
let tokenizer: DsChatTokenizer | null = null;
let bootFailure: WorkerFailure | null = null;
try {
  tokenizer = portable ? fromPortableTokenizer(portable) : (await import("../tokenizer/loadTokenizer.js")).loadTokenizer(files, modelName, addEotToken);
  if (!portable) parentPort!.postMessage({tokenizerReport: describeTokenizer(tokenizer, modelName)} satisfies TokenizerBuiltMessage);
} catch (error) {
  bootFailure = toWorkerFailure(error);
}

parentPort!.on("message", ({id, phase, rows}: MeasureRequest) => {
  try {
    if (bootFailure) throw bootFailure;
    const packed = measureBatch(tokenizer!, limits, phase, rows);
    parentPort!.postMessage({id, packed} satisfies MeasureResponse, [packed.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort!.postMessage({id, error: error === bootFailure ? bootFailure! : toWorkerFailure(error)} satisfies MeasureResponse);
  }
});
