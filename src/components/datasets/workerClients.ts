/**
 * Promise-based clients of the Datasets page's workers: the upload worker (one file's records, its conversion and
 * outputs) and the token worker. A failure in a worker comes back as the same UserError (or a bug's Error).
 */
import {fromWorkerFailure, type WorkerFailure} from "../../core/contract/userError.js";
import type {Manifest} from "../../core/contract/manifest.js";
import type {ColumnStats} from "../../core/recipe/columnStats.js";
import type {Analysis, AnalyzeRequest, Converted, EncodedIds, ExploreReply, ExploreRequest, ExploreRequestBody, Opened, Outputs, Progress, ReadTotals, TokenAnalysis} from "../../workers/exploreProtocol.js";
import type {LocalJsonRow, Phase} from "../../core/canonical.js";
import type {TokenizerReport} from "../../core/stats/describeTokenizer.js";
import type {SequenceLimits} from "../../core/tokenize/measureRow.js";
import type {TokenizerFilesData, TokenReply, TokenRequest} from "../../workers/tokenProtocol.js";

/** A request without its id, for each member of the union. */
type Body<R> = R extends unknown ? Omit<R, "id"> : never;
type Pending = {resolve: (value: any) => void; reject: (error: Error) => void; onProgress?: (progress: any) => void};

class WorkerClient<Request extends {id: number}, Reply extends {id: number; type: string}> {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private next = 1;

  constructor(url: string, private readonly name: string) {
    this.worker = new Worker(url, {type: "module"});
    this.worker.onmessage = (event: MessageEvent<Reply>) => {
      const reply = event.data;
      const pending = this.pending.get(reply.id);
      if (!pending) return;
      // Interim replies (progress, a partial result) go to the callback; the request settles on its final reply.
      if (reply.type === "progress" || reply.type === "partial") return pending.onProgress?.(reply);
      this.pending.delete(reply.id);
      if (reply.type === "error") pending.reject(fromWorkerFailure((reply as unknown as {error: WorkerFailure}).error, this.name));
      else pending.resolve(reply);
    };
    this.worker.onerror = (event) => {
      for (const pending of this.pending.values()) pending.reject(new Error(`${this.name} failed: ${event.message}`));
      this.pending.clear();
    };
  }

  request<T extends Reply>(body: Body<Request>, onProgress?: (progress: any) => void, transfer: Transferable[] = []): Promise<T> {
    const id = this.next++;
    // A newer request makes the older ones' answers moot; their promises simply never settle.
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, {resolve, reject, onProgress});
      this.worker.postMessage({...body, id}, transfer);
    });
  }

  /** A message that gets no reply (it still supersedes the requests before it). */
  send(body: Body<Request>): void {
    this.worker.postMessage({...body, id: this.next++});
  }

  terminate(): void {
    this.worker.terminate();
  }
}

/** One dataset held in the upload worker: a file it parsed and converted, or the rows of a CLI conversion. */
export class ExploreClient {
  private readonly client = new WorkerClient<ExploreRequest, ExploreReply>(import.meta.resolve("../../workers/exploreWorker.js"), "the upload worker");

  private async ask<T extends ExploreReply["type"]>(body: ExploreRequestBody, onProgress?: (progress: any) => void, transfer: Transferable[] = []) {
    return ((await this.client.request<Extract<ExploreReply, {type: T}>>(body, onProgress, transfer)) as {result: unknown}).result;
  }

  /** Answers once the format can be detected from the first records; the worker goes on reading the file. */
  open(file: Blob, name: string): Promise<Opened> {
    return this.ask<"opened">({type: "open", file, name}) as Promise<Opened>;
  }

  /** The opened file's totals once it is read to its end; `onProgress` follows the reading until then. */
  read(onProgress?: (progress: Progress) => void): Promise<ReadTotals> {
    return this.ask<"read">({type: "read"}, (reply) => onProgress?.(reply.progress)) as Promise<ReadTotals>;
  }

  /** Every record converted; `onPartial` gets the result of the first `partialRows` records first, then others while the file is read. */
  convert(options: {format: string | null; map: string | null; evalRatio: number; seed: number; partialRows: number}, onPartial?: (partial: Converted) => void): Promise<Converted> {
    return this.ask<"converted">({type: "convert", ...options}, (reply) => onPartial?.(reply.result)) as Promise<Converted>;
  }

  /** The last conversion's canonical table as an Arrow IPC stream. */
  arrow(): Promise<Uint8Array> {
    return this.ask<"arrow">({type: "arrow"}) as Promise<Uint8Array>;
  }

  columns(): Promise<ColumnStats[]> {
    return this.ask<"columns">({type: "columns"}) as Promise<ColumnStats[]>;
  }

  /** sha256 of the opened file. */
  digest(): Promise<string> {
    return this.ask<"digest">({type: "digest"}) as Promise<string>;
  }

  /** Hands the worker a copy of a CLI conversion's canonical rows; answers with the conversion they are. */
  adopt(arrow: Uint8Array, options: {splitMethod: "source" | "seeded"; evalRatio: number; source: string; manifest: Manifest; format: string; formatTitle: string}): Promise<Converted> {
    return this.ask<"converted">({type: "adopt", arrow, ...options}) as Promise<Converted>;
  }

  analyze(request: AnalyzeRequest): Promise<Analysis> {
    return this.ask<"analyzed">({type: "analyze", ...request}) as Promise<Analysis>;
  }

  tokens(packed: Int32Array[], limits: SequenceLimits): Promise<TokenAnalysis> {
    return this.ask<"tokens">({type: "tokens", packed, limits}) as Promise<TokenAnalysis>;
  }

  outputs(kept: EncodedIds | null): Promise<Outputs> {
    return this.ask<"outputs">({type: "outputs", kept}) as Promise<Outputs>;
  }

  terminate(): void {
    this.client.terminate();
  }
}

/** The token worker: DS-Chat's tokenization of rows, off the main thread. */
export class TokenClient {
  private readonly client = new WorkerClient<TokenRequest, TokenReply>(import.meta.resolve("../../workers/tokenWorker.js"), "the token worker");

  async load(files: TokenizerFilesData, modelName: string): Promise<TokenizerReport> {
    return (await this.client.request<Extract<TokenReply, {type: "loaded"}>>({type: "load", files, modelName})).report;
  }

  /** Packed measures per partition (MEASURE_STRIDE integers per row); superseded requests never settle. */
  async measure(partitions: Array<{phase: Phase; rows: LocalJsonRow[]}>, limits: SequenceLimits, onProgress?: (done: number, total: number) => void): Promise<Int32Array[]> {
    const reply = await this.client.request<Extract<TokenReply, {type: "measured"}>>({type: "measure", partitions, limits}, (progress) => onProgress?.(progress.done, progress.total));
    return reply.packed;
  }

  /** Stops the measurement running, so that it does not compete for the cores with what replaces it. */
  stop(): void {
    this.client.send({type: "stop"});
  }

  terminate(): void {
    this.client.terminate();
  }
}
