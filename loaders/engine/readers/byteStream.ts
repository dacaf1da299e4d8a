import {createReadStream} from "node:fs";
import {createGunzip} from "node:zlib";
import {UserError} from "../../../src/core/contract/userError.js";

const CHUNK_BYTES = 1 << 20;

/**
 * The bytes of a file, decompressed when gzip, in ~1 MiB chunks. Never holds more than a couple of chunks: the
 * consumer's pace drives the reads. A corrupt or truncated gzip stream becomes a UserError naming the file and offsets.
 */
export async function* readFileBytes(path: string, {source, gzip, onBytes}: {source: string; gzip: boolean; onBytes?: (bytes: number) => void}): AsyncGenerator<Buffer> {
  const raw = createReadStream(path, {highWaterMark: CHUNK_BYTES});
  if (!gzip) {
    try {
      for await (const chunk of raw as AsyncIterable<Buffer>) {
        onBytes?.(chunk.length);
        yield chunk;
      }
    } catch (error) {
      throw new UserError(`cannot be read: ${(error as Error).message}`, {where: {file: source}, fix: "Check that the file exists and is readable.", cause: error});
    } finally {
      raw.destroy();
    }
    return;
  }
  let compressedBytes = 0;
  // pipe() already consumes 'data' events, so listening to them too only observes the compressed byte count.
  raw.on("data", (chunk) => {
    compressedBytes += chunk.length;
    onBytes?.(chunk.length);
  });
  const gunzip = createGunzip({chunkSize: CHUNK_BYTES});
  raw.on("error", (error) => gunzip.destroy(error));
  raw.pipe(gunzip);
  let decompressedBytes = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      decompressedBytes += chunk.length;
      yield chunk;
    }
  } catch (error) {
    const reason = (error as Error).message;
    throw new UserError(`not readable gzip: ${reason} (after ${compressedBytes} compressed bytes, at decompressed byte ${decompressedBytes}); the file is truncated or corrupt`, {
      where: {file: source},
      fix: "Download the file again, or check it with 'gzip -t'.",
      cause: error
    });
  } finally {
    raw.destroy();
    gunzip.destroy();
  }
}
