import {createReadStream} from "node:fs";
import {createGunzip} from "node:zlib";
import {UserError} from "../../../src/core/contract/userError.js";
import {fsUserError} from "../../fs/fsErrors.js";
import {READ_STREAM_FLAGS} from "../../fs/regularFile.js";
import {gunzipMembers, isTrailingBytesError, type MemberStreamResult} from "./gzipMembers.js";

const CHUNK_BYTES = 1 << 20;

export interface ByteStreamOptions {
  source: string;
  gzip: boolean;
  onBytes?: (bytes: number) => void;
  /** Told about input that is read with a caveat (bytes after the last gzip member, ignored as `gzip -d` does). */
  onWarning?: (message: string) => void;
}

/**
 * The bytes of a file, decompressed when gzip, in ~1 MiB chunks. Never holds more than a couple of chunks: the
 * consumer's pace drives the reads. A corrupt or truncated gzip stream becomes a UserError naming the file and offsets;
 * bytes after the last gzip member are ignored with a warning, as `gzip -d` does.
 */
export async function* readFileBytes(path: string, {source, gzip, onBytes, onWarning}: ByteStreamOptions): AsyncGenerator<Buffer> {
  // O_NONBLOCK: a file swapped for a pipe since it was checked fails with EAGAIN instead of blocking forever.
  const raw = createReadStream(path, {highWaterMark: CHUNK_BYTES, flags: READ_STREAM_FLAGS});
  if (!gzip) {
    try {
      for await (const chunk of raw as AsyncIterable<Buffer>) {
        onBytes?.(chunk.length);
        yield chunk;
      }
    } catch (error) {
      throw readError(error, source);
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
  let trailing = false;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      decompressedBytes += chunk.length;
      yield chunk;
    }
  } catch (error) {
    if (!isTrailingBytesError(error)) throw gzipError(error, source, compressedBytes, decompressedBytes);
    trailing = true;
  } finally {
    raw.destroy();
    gunzip.destroy();
  }
  if (trailing) yield* decodeMembers(path, {source, onBytes, onWarning}, decompressedBytes, compressedBytes);
}

/**
 * The rest of a gzip file whose fast decode stopped at bytes after its last member: decoded again member by member
 * from the start, skipping the `skip` bytes already yielded (decoding is deterministic, so they are the same).
 */
async function* decodeMembers(path: string, {source, onBytes, onWarning}: Omit<ByteStreamOptions, "gzip">, skip: number, reported: number): AsyncGenerator<Buffer> {
  const raw = createReadStream(path, {highWaterMark: CHUNK_BYTES, flags: READ_STREAM_FLAGS});
  let read = 0;
  let decoded = 0;
  // Progress counts each byte once: the fast decode already reported `reported` of them.
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of raw as AsyncIterable<Buffer>) {
      const fresh = Math.max(0, Math.min(chunk.length, read + chunk.length - reported));
      read += chunk.length;
      if (fresh) onBytes?.(fresh);
      yield chunk;
    }
  }
  const members = gunzipMembers(counted());
  let result: MemberStreamResult;
  try {
    for (;;) {
      const next = await members.next();
      if (next.done) {
        result = next.value;
        break;
      }
      const piece = next.value;
      const start = Math.max(0, skip - decoded);
      decoded += piece.length;
      if (start < piece.length) yield start ? piece.subarray(start) : piece;
    }
  } catch (error) {
    throw gzipError(error, source, read, decoded);
  } finally {
    raw.destroy();
  }
  if (result.trailingAt !== null) {
    onWarning?.(
      `${source}: ${result.bytes - result.trailingAt} bytes after the last gzip member (from byte ${result.trailingAt}) are not gzip data and were ignored, ` +
        `as 'gzip -d' does ("trailing garbage ignored"); ${result.members} member(s) were read`
    );
  }
}

function readError(error: unknown, source: string): unknown {
  const mapped = fsUserError(error, {path: source, role: "input", doing: "reading"});
  if (mapped instanceof UserError) return mapped;
  return new UserError(`cannot be read: ${(error as Error).message}`, {where: {file: source}, fix: "Check that the file exists and is readable.", cause: error});
}

function gzipError(error: unknown, source: string, compressedBytes: number, decompressedBytes: number): UserError {
  if (error instanceof UserError) return error;
  const mapped = fsUserError(error, {path: source, role: "input", doing: "reading"});
  if (mapped instanceof UserError) return mapped;
  const reason = (error as Error).message;
  return new UserError(`not readable gzip: ${reason} (after ${compressedBytes} compressed bytes, at decompressed byte ${decompressedBytes}); the file is truncated or corrupt`, {
    where: {file: source},
    fix: "Download the file again, or check it with 'gzip -t'.",
    cause: error
  });
}
