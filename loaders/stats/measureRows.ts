/**
 * Measures rows with DS-Chat's tokenization on every core: `worker_threads`, each loading the tokenizer once, fed
 * batches from a shared queue, returning packed lengths only. `threads: 1` runs the same code inline.
 */
import {availableParallelism} from "node:os";
import {Worker} from "node:worker_threads";
import type {LocalJsonRow, Phase} from "../../src/core/canonical.js";
import {fromWorkerFailure} from "../../src/core/contract/userError.js";
import {MEASURE_STRIDE, type SequenceLimits} from "../../src/core/tokenize/measureRow.js";
import {toPortableTokenizer} from "../../src/core/tokenize/portableTokenizer.js";
import {loadTokenizer} from "../tokenizer/loadTokenizer.js";
import type {TokenizerFiles} from "../tokenizer/resolveTokenizer.js";
import {measureBatch} from "../../src/core/stats/measureBatch.js";
import type {TokenizerReport} from "../../src/core/stats/describeTokenizer.js";
import type {MeasureRequest, MeasureResponse, MeasureWorkerData, TokenizerBuiltMessage} from "./measureWorker.js";

export interface MeasureJob {
  phase: Phase;
  rows: readonly LocalJsonRow[];
}

export interface TokenizerSetup {
  files: TokenizerFiles;
  modelName: string;
  /** DS-Chat's `--add_eot_token` token, or null. */
  addEotToken?: string | null;
  limits: SequenceLimits;
}

export interface MeasureOptions extends TokenizerSetup {
  /**
   * Threads that tokenize, this one included (it works beside `threads - 1` workers); default: every core, or 1 below
   * INLINE_BELOW rows (starting workers costs more). 1 runs inline.
   */
  threads?: number;
  /** Workers started earlier (`MeasurePool.start(setup, threads - 1)`), e.g. while the data was being read; closed when done. */
  pool?: MeasurePool | null;
  /** False leaves all batches to the workers (default true: this thread takes its share). */
  measureHere?: boolean;
  batchSize?: number;
  /** Rows measured so far, of all jobs. */
  onProgress?: (done: number, total: number) => void;
}

const DEFAULT_BATCH = 256;
/** Requests one worker may hold at once; each adds listeners to the worker (Node warns past 10 per event). */
const MAX_IN_FLIGHT = 8;
/**
 * Below this many rows one thread tokenizes faster than workers can boot: a worker costs ~0.3 s of CPU (tsx, then its own
 * JIT warm-up and word cache) and the byte-level encoder does over 10,000 hh-rlhf rows per second per core.
 */
export const INLINE_BELOW = 4000;

/** Worker threads that boot (tsx, ~0.2 s each; the tokenizer comes as data where it can) as soon as they are created. */
export class MeasurePool {
  /** How each worker ended, if it did: a worker can fail while booting, before anyone waits on it. */
  private readonly ended = new Map<Worker, Error>();
  /** The tokenizer facts from the first worker that built the tokenizer itself (see `start`'s `buildHere`). */
  tokenizerReport: TokenizerReport | null = null;

  private constructor(readonly workers: Worker[]) {
    for (const worker of workers) {
      worker.on("message", (message: MeasureResponse | TokenizerBuiltMessage) => {
        if ("tokenizerReport" in message) this.tokenizerReport ??= message.tokenizerReport;
      });
      worker.on("error", (error) => this.ended.set(worker, new Error(`stats worker crashed: ${error.message}`, {cause: error})));
      worker.on("exit", (code) => this.ended.has(worker) || this.ended.set(worker, new Error(`stats worker exited with code ${code}`)));
    }
  }

  /**
   * Workers get this thread's tokenizer as data when it can travel (loading it here, cached), so they skip building it.
   * `buildHere: false` leaves building it to the workers, so this thread is free at once (one worker measuring a sample
   * while this one reads the data); they then post its `tokenizerReport`.
   */
  static start(setup: TokenizerSetup, threads = availableParallelism(), {buildHere = true}: {buildHere?: boolean} = {}): MeasurePool {
    const {files, modelName, addEotToken = null, limits} = setup;
    const tokenizer = buildHere ? toPortableTokenizer(loadTokenizer(files, modelName, addEotToken)) : null;
    const workerData: MeasureWorkerData = {files, modelName, addEotToken, limits, tokenizer};
    return new MeasurePool(Array.from({length: Math.max(1, threads)}, () => new Worker(new URL("./measureWorkerBootstrap.mjs", import.meta.url), {workerData})));
  }

  /**
   * Feeds the requests to the workers from one queue; `onAnswer` gets each batch's result as it arrives. With `measureHere`,
   * this thread takes batches from the same queue between answers: it already holds a warm tokenizer, while every
   * worker pays for booting and for filling its own word cache.
   */
  async run(requests: MeasureRequest[], onAnswer: (request: MeasureRequest, packed: Int32Array) => void, measureHere?: (request: MeasureRequest) => Int32Array): Promise<void> {
    let next = 0;
    let failed = false;
    // Two requests in flight per worker, so a worker never waits for this thread between batches. A lone worker that
    // measures everything gets up to MAX_IN_FLIGHT at once (a sample: one request per partition): this thread may be
    // busy for long (finding duplicates while the worker measures) and would hold its next request back until then.
    const inFlight = measureHere || this.workers.length > 1 ? 2 : Math.max(1, Math.min(requests.length, MAX_IN_FLIGHT));
    const workerLoops = this.workers.flatMap((worker) => Array<Worker>(inFlight).fill(worker)).map(async (worker) => {
      while (next < requests.length && !failed) {
        const failure = this.ended.get(worker);
        if (failure) throw failure;
        const request = requests[next++];
        onAnswer(request, await ask(worker, request));
      }
    });
    const hereLoop = async () => {
      while (measureHere && next < requests.length && !failed) {
        await new Promise((resolve) => setImmediate(resolve)); // let the workers' answers in, and their next requests out
        if (next >= requests.length || failed) break;
        const request = requests[next++];
        onAnswer(request, measureHere(request));
      }
    };
    try {
      await Promise.all([...workerLoops, hereLoop()]);
    } catch (error) {
      failed = true;
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/** One packed Int32Array (MEASURE_STRIDE values per row) per job, rows in job order. */
export async function measureRows(jobs: readonly MeasureJob[], options: MeasureOptions): Promise<Int32Array[]> {
  const {files, modelName, limits, addEotToken = null, batchSize = DEFAULT_BATCH, onProgress} = options;
  const total = jobs.reduce((sum, job) => sum + job.rows.length, 0);
  const batchCount = jobs.reduce((sum, job) => sum + Math.ceil(job.rows.length / batchSize), 0);
  const threads = Math.max(1, Math.min(options.threads ?? (total < INLINE_BELOW ? 1 : availableParallelism()), batchCount));
  const measureHere = options.measureHere ?? true;
  const workerCount = measureHere ? threads - 1 : threads;
  // Workers boot while this thread cuts the batches and the caller carries on synchronously.
  const pool = options.pool ?? (threads > 1 && workerCount > 0 ? MeasurePool.start({files, modelName, addEotToken, limits}, workerCount) : null);
  try {
    const results = jobs.map((job) => new Int32Array(job.rows.length * MEASURE_STRIDE));
    const batches: {job: number; start: number; request: MeasureRequest}[] = [];
    jobs.forEach((job, j) => {
      for (let start = 0; start < job.rows.length; start += batchSize) {
        batches.push({job: j, start, request: {id: batches.length, phase: job.phase, rows: job.rows.slice(start, start + batchSize)}});
      }
    });
    let done = 0;
    const store = (batch: (typeof batches)[number], packed: Int32Array) => {
      results[batch.job].set(packed, batch.start * MEASURE_STRIDE);
      done += batch.request.rows.length;
      onProgress?.(done, total);
    };
    const here = (request: MeasureRequest) => measureBatch(loadTokenizer(files, modelName, addEotToken), limits, request.phase, request.rows);
    if (pool) {
      await pool.run(batches.map((batch) => batch.request), (request, packed) => store(batches[request.id], packed), measureHere ? here : undefined);
    } else {
      for (const batch of batches) store(batch, here(batch.request));
    }
    return results;
  } finally {
    await pool?.close();
  }
}

function ask(worker: Worker, request: MeasureRequest): Promise<Int32Array> {
  return new Promise((resolve, reject) => {
    const onMessage = (response: MeasureResponse) => {
      if (response.id !== request.id) return;
      cleanup();
      if ("error" in response) reject(fromWorkerFailure(response.error, "stats worker"));
      else resolve(response.packed);
    };
    const onError = (error: Error) => (cleanup(), reject(new Error(`stats worker crashed: ${error.message}`, {cause: error})));
    const onExit = (code: number) => (cleanup(), reject(new Error(`stats worker exited with code ${code} before answering`)));
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    worker.postMessage(request);
  });
}
