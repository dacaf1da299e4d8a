/** Worker entry: converts byte ranges of JSON Lines (cut at newlines) into encoded output blocks, in parallel. */
import {parentPort, workerData} from "node:worker_threads";
import {forcedAdapter, type FormatAdapter, type ReasoningOption} from "../../src/core/formats/index.js";
import {ReusingPool} from "./blockEncoder.js";
import {convertBatch, type EncodedBatch} from "./convertBatch.js";
import {createEvalSelector} from "./evalSplit.js";
import {toWorkerFailure, type WorkerFailure} from "../../src/core/contract/userError.js";
import {eachJsonLine} from "./readers/readJsonLines.js";

export interface ConvertWorkerData {
  /** --map, which applies to every file; otherwise each job names its file's format. */
  map: string | null;
  reasoning: ReasoningOption;
  seed: number;
  evalRatio: number;
}

export interface ConvertJob {
  id: number;
  source: string;
  split: string | null;
  /** The file's format (ignored with --map). */
  format: string;
  /** When set, every row of this file goes to eval.json (true) or train.json (false); null = seeded draw. */
  forcedEval: boolean | null;
  bytes: Uint8Array;
  firstLine: number;
  firstByte: number;
}

export type {EncodedBatch};

/** The main thread hands written output buffers back, for the next batches to reuse. */
export interface RecycleMessage {
  recycle: ArrayBuffer[];
}

/** Every reply returns the job's input buffer (`input`), which the main thread reuses for a later segment. */
export type ConvertReply =
  | {id: number; input: ArrayBuffer; batch: EncodedBatch}
  | {id: number; input: ArrayBuffer; error: WorkerFailure};

const data = workerData as ConvertWorkerData;
const mapped = data.map !== null ? forcedAdapter({map: data.map}) : null;
const adapters = new Map<string, FormatAdapter>();
const adapterFor = (format: string): FormatAdapter => {
  if (mapped) return mapped;
  let adapter = adapters.get(format);
  if (!adapter) adapters.set(format, (adapter = forcedAdapter({format})!));
  return adapter;
};
const selectEval = createEvalSelector(data.seed, data.evalRatio);
const pool = new ReusingPool();

parentPort!.on("message", (message: ConvertJob | RecycleMessage) => {
  if ("recycle" in message) {
    for (const buffer of message.recycle) pool.give(buffer);
    return;
  }
  const job = message;
  const input = job.bytes.buffer as ArrayBuffer;
  let reply: ConvertReply;
  try {
    const items = eachJsonLine(job.bytes, {source: job.source, firstLine: job.firstLine, firstByte: job.firstByte});
    const inEval = job.forcedEval === null ? selectEval : () => job.forcedEval!;
    const context = {source: job.source, split: job.split, adapter: adapterFor(job.format), reasoning: data.reasoning, inEval, inputBytes: job.bytes.length, pool};
    reply = {id: job.id, input, batch: convertBatch(items, context)};
  } catch (error) {
    reply = {id: job.id, input, error: toWorkerFailure(error)};
  }
  const transfer = [input, ...("batch" in reply ? Object.values(reply.batch.blocks).map((block) => block.bytes.buffer as ArrayBuffer) : [])];
  parentPort!.postMessage(reply, transfer);
});
