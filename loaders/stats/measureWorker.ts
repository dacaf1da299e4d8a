/** Worker entry: loads the tokenizer once, then answers `{id, phase, rows}` with the rows' packed measurements. */
import {parentPort, workerData} from "node:worker_threads";
import type {LocalJsonRow, Phase} from "../../src/core/canonical.js";
import type {SequenceLimits} from "../../src/core/tokenize/measureRow.js";
import {loadTokenizer} from "../tokenizer/loadTokenizer.js";
import type {TokenizerFiles} from "../tokenizer/resolveTokenizer.js";
import {measureBatch} from "./measureBatch.js";

export interface MeasureWorkerData {
  files: TokenizerFiles;
  modelName: string;
  addEotToken: string | null;
  limits: SequenceLimits;
}

export interface MeasureRequest {
  id: number;
  phase: Phase;
  rows: LocalJsonRow[];
}

export type MeasureResponse = {id: number; packed: Int32Array} | {id: number; error: string};

const {files, modelName, addEotToken, limits} = workerData as MeasureWorkerData;
const tokenizer = loadTokenizer(files, modelName, addEotToken);

parentPort!.on("message", ({id, phase, rows}: MeasureRequest) => {
  try {
    const packed = measureBatch(tokenizer, limits, phase, rows);
    parentPort!.postMessage({id, packed} satisfies MeasureResponse, [packed.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort!.postMessage({id, error: (error as Error)?.stack ?? String(error)} satisfies MeasureResponse);
  }
});
