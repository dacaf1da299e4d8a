/** Worker entry: converts byte ranges of JSON Lines (cut at newlines) into encoded output blocks, in parallel. */
import {parentPort, workerData} from "node:worker_threads";
import {resolveAdapter} from "../../src/core/formats/index.js";
import {convertBatch, type BatchOutput} from "./convertBatch.js";
import {createEvalSelector} from "./evalSplit.js";
import {InputError} from "./inputError.js";
import {parseJsonLines} from "./readers/readJsonLines.js";

export interface ConvertWorkerData {
  format: string | null;
  map: string | null;
  seed: number;
  evalRatio: number;
}

export interface ConvertJob {
  id: number;
  source: string;
  split: string | null;
  /** When set, every row of this file goes to eval.json (true) or train.json (false); null = seeded draw. */
  forcedEval: boolean | null;
  bytes: Uint8Array;
  firstLine: number;
  firstByte: number;
}

/** A BatchOutput whose line lists are joined and UTF-8 encoded, so the main thread only writes bytes. */
export interface EncodedBatch extends Omit<BatchOutput, "train" | "eval" | "canonical" | "rejects"> {
  blocks: Record<"train" | "eval" | "canonical" | "rejects", {bytes: Uint8Array; lines: number}>;
}

export type ConvertReply =
  | {id: number; batch: EncodedBatch}
  | {id: number; error: {message: string; input: boolean; file?: string; line?: number | null; byte?: number | null; stack?: string}};

const data = workerData as ConvertWorkerData;
const {adapter} = resolveAdapter(data.map !== null ? {map: data.map} : {format: data.format ?? undefined}, []);
const selectEval = createEvalSelector(data.seed, data.evalRatio);

parentPort!.on("message", (job: ConvertJob) => {
  let reply: ConvertReply;
  try {
    const items = parseJsonLines(job.bytes, {source: job.source, firstLine: job.firstLine, firstByte: job.firstByte});
    const inEval = job.forcedEval === null ? selectEval : () => job.forcedEval!;
    reply = {id: job.id, batch: encode(convertBatch(items, {source: job.source, split: job.split, adapter, inEval}))};
  } catch (error) {
    const input = error instanceof InputError;
    reply = {
      id: job.id,
      error: {message: (error as Error)?.message ?? String(error), input, ...(input ? {file: error.file, line: error.line, byte: error.byte} : {stack: (error as Error)?.stack})}
    };
  }
  const transfer = "batch" in reply ? Object.values(reply.batch.blocks).map((block) => block.bytes.buffer as ArrayBuffer) : [];
  parentPort!.postMessage(reply, transfer);
});

function encode(output: BatchOutput): EncodedBatch {
  const {train, eval: evaluation, canonical, rejects, ...counts} = output;
  const block = (lines: string[]) => ({bytes: encodeLines(lines), lines: lines.length});
  return {...counts, blocks: {train: block(train), eval: block(evaluation), canonical: block(canonical), rejects: block(rejects)}};
}

/**
 * UTF-8 of `lines`, each followed by a newline, written straight into one buffer outside the JS heap: joining first
 * would build a multi-megabyte string per batch, and those large-object allocations cost more in GC than the encoding.
 * The buffer owns its ArrayBuffer (not Node's shared pool), so it can be transferred.
 */
export function encodeLines(lines: readonly string[]): Uint8Array {
  if (lines.length === 0) return new Uint8Array(0);
  let chars = 0;
  for (const line of lines) chars += line.length + 1;
  let buffer = Buffer.allocUnsafeSlow(Math.ceil(chars * 1.25) + 16);
  let offset = 0;
  for (const line of lines) {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes; grow before write() could truncate.
    if (offset + line.length * 3 + 1 > buffer.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(buffer.length * 2, offset + line.length * 3 + 1));
      buffer.copy(grown, 0, 0, offset);
      buffer = grown;
    }
    offset += buffer.write(line, offset);
    buffer[offset++] = 0x0a;
  }
  return buffer.subarray(0, offset);
}
