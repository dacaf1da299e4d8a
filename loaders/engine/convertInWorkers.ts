import {availableParallelism} from "node:os";
import {Worker} from "node:worker_threads";
import {fromWorkerFailure} from "../../src/core/contract/userError.js";
import type {InputFile} from "./inputs.js";
import {readFileBytes} from "./readers/byteStream.js";
import {countNewlines} from "./readers/readJsonLines.js";
import {ReusingPool} from "./blockEncoder.js";
import type {ConvertJob, ConvertReply, ConvertWorkerData, EncodedBatch, RecycleMessage} from "./convertWorker.js";

/** Below this much input, starting workers (tsx + formats, ~0.5 s each) costs more than it saves. */
export const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;
const SEGMENT_BYTES = 4 * 1024 * 1024;
const JOBS_PER_WORKER = 2;
/** A segment is SEGMENT_BYTES plus the rest of the last read chunk (≤ 1 MiB) and of the line it cut. */
const SEGMENT_SLACK_BYTES = 2 * 1024 * 1024;

/** Whether convertInWorkers can take these inputs: all JSON Lines, big enough, and more than one core. */
export function canConvertInWorkers(inputs: readonly InputFile[]): boolean {
  const bytes = inputs.reduce((sum, input) => sum + input.bytes, 0);
  return availableParallelism() > 1 && bytes >= PARALLEL_MIN_BYTES && inputs.every((input) => input.kind === "jsonl");
}

/**
 * JSON Lines conversion on every core: this thread reads (and gunzips) the files and cuts them at newlines into ~4 MiB
 * segments; workers parse, convert and serialize them; batches come back in file order, already encoded, so this
 * thread only writes bytes. At most two segments per worker are in flight, which bounds memory whatever the file size.
 */
export async function* convertInWorkers(
  inputs: readonly InputFile[],
  setup: ConvertWorkerData & {formatOf: (file: InputFile) => string; forcedEval: (file: InputFile) => boolean | null},
  onBytes: (bytes: number) => void,
  onWarning?: (message: string) => void
): AsyncGenerator<EncodedBatch> {
  const {formatOf, forcedEval, ...workerData} = setup;
  const workers = Array.from({length: availableParallelism()}, () => new Worker(new URL("./convertWorkerBootstrap.mjs", import.meta.url), {workerData, resourceLimits: {maxYoungGenerationSizeMb: 64}}));
  const pending = new Map<number, {resolve: (batch: EncodedBatch) => void; reject: (error: Error) => void}>();
  const results = new Map<number, Promise<EncodedBatch>>();
  let failure: Error | null = null;
  // Input segments and output blocks travel as transferred ArrayBuffers and come back for reuse (see ReusingPool).
  const segments = new ReusingPool(workers.length * (JOBS_PER_WORKER + 1));
  for (const worker of workers) {
    worker.on("message", (reply: ConvertReply) => {
      const waiter = pending.get(reply.id)!;
      pending.delete(reply.id);
      segments.give(reply.input);
      if ("batch" in reply) {
        const {batch} = reply;
        batch.release = () => {
          const buffers = Object.values(batch.blocks).map((block) => block.bytes.buffer as ArrayBuffer);
          worker.postMessage({recycle: buffers} satisfies RecycleMessage, buffers);
        };
        waiter.resolve(batch);
      } else {
        waiter.reject(fromWorkerFailure(reply.error, "Conversion worker"));
      }
    });
    worker.on("error", (error) => {
      failure ??= error;
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    });
  }
  let nextId = 0;
  let nextToYield = 0;
  const submit = (job: Omit<ConvertJob, "id">) => {
    if (failure) throw failure;
    const id = nextId++;
    const promise = new Promise<EncodedBatch>((resolve, reject) => pending.set(id, {resolve, reject}));
    promise.catch(() => undefined); // awaited in order below; avoid an unhandled rejection meanwhile
    results.set(id, promise);
    workers[id % workers.length].postMessage({...job, id}, [job.bytes.buffer as ArrayBuffer]);
  };
  const drain = async function* (keepInFlight: number) {
    while (nextToYield < nextId && nextId - nextToYield > keepInFlight) {
      const batch = await results.get(nextToYield)!;
      results.delete(nextToYield++);
      yield batch;
    }
  };
  try {
    for (const file of inputs) {
      // Chunks are collected and joined once per segment: one copy per byte, not one per chunk appended.
      let chunks: Buffer[] = [];
      let collected = 0;
      // A line longer than a segment is joined again only each time it doubles, not on every chunk.
      let joinAt = SEGMENT_BYTES;
      let line = 1;
      let byte = 0;
      const send = (segment: Uint8Array) => {
        submit({source: file.source, split: file.split, format: formatOf(file), forcedEval: forcedEval(file), bytes: segment, firstLine: line, firstByte: byte});
      };
      for await (const chunk of readFileBytes(file.path, {source: file.source, gzip: file.gzip, onBytes, onWarning})) {
        chunks.push(chunk);
        collected += chunk.length;
        if (collected < joinAt) continue;
        const joined = joinChunks(chunks, collected, segments);
        const end = joined.lastIndexOf(0x0a) + 1;
        if (end === 0) {
          chunks = [joined]; // one line longer than a segment: keep collecting
          joinAt = collected * 2;
          continue;
        }
        joinAt = SEGMENT_BYTES;
        const rest = joined.subarray(end);
        const newlines = countNewlines(joined, 0, end);
        // The segment must own its ArrayBuffer to be transferred; the tail is copied out first.
        chunks = rest.length ? [Buffer.from(rest)] : [];
        collected = rest.length;
        send(joined.subarray(0, end));
        line += newlines;
        byte += end;
        yield* drain(workers.length * JOBS_PER_WORKER);
      }
      if (collected) send(joinChunks(chunks, collected, segments));
    }
    yield* drain(0);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/**
 * One Buffer holding `chunks`, in a buffer that owns its whole ArrayBuffer (never a slice of Node's shared pool), so it
 * can be transferred. Fresh buffers get room for a typical segment, so that they can be reused for any later one.
 */
function joinChunks(chunks: Buffer[], length: number, pool: ReusingPool): Buffer {
  const joined = pool.take(Math.max(length, SEGMENT_BYTES + SEGMENT_SLACK_BYTES)).subarray(0, length);
  let offset = 0;
  for (const chunk of chunks) {
    chunk.copy(joined, offset);
    offset += chunk.length;
  }
  return joined;
}
