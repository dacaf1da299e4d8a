/**
 * A gzip decoder that knows where each member ends, for files with bytes after the last member. `gzip -d` decodes
 * the members and ignores such trailing bytes with a warning; Node's gunzip instead fails on them and drops the output
 * of the last block it decoded. The readers decode with Node's fast gunzip and fall back to this decoder (which
 * re-decodes from the start) only when that happens.
 *
 * Each member is inflated raw: the engine stops at the end of the member's deflate stream and reports how many input
 * bytes it used, so the 8-byte trailer (CRC-32 and size, both checked) and whatever follows are found exactly. What
 * follows is another member, zero padding (ignored, as gzip does), or trailing bytes (reported, then ignored).
 */
import * as zlib from "node:zlib";
import {createInflateRaw, type InflateRaw} from "node:zlib";

const FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16;

/** zlib.crc32 (Node ≥ 20.15), else the same checksum in JavaScript. */
const crc32: (data: Uint8Array, value: number) => number = (zlib as {crc32?: (data: Uint8Array, value: number) => number}).crc32 ?? crc32InJs;

let crcTable: Uint32Array | null = null;
function crc32InJs(data: Uint8Array, value: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** The length of the gzip member header at `at`, or null when `bytes` ends inside it; throws when it is not one. */
function headerLength(bytes: Buffer, at: number, member: number): number | null {
  if (bytes.length - at < 10) return null;
  if (bytes[at] !== 0x1f || bytes[at + 1] !== 0x8b) throw new Error(`gzip member ${member} has no gzip header`);
  if (bytes[at + 2] !== 8) throw new Error(`gzip member ${member} uses unknown compression method ${bytes[at + 2]}`);
  const flags = bytes[at + 3];
  let end = at + 10;
  if (flags & FEXTRA) {
    if (bytes.length < end + 2) return null;
    end += 2 + bytes.readUInt16LE(end);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    const zero = bytes.indexOf(0, end);
    if (zero === -1) return null;
    end = zero + 1;
  }
  if (flags & FHCRC) end += 2;
  return bytes.length < end ? null : end - at;
}

/** Whether the bytes at `at` are the start of another member (or cannot tell yet); false: trailing bytes. */
function startsMember(bytes: Buffer, at: number): boolean {
  return bytes[at] === 0x1f && (at + 1 >= bytes.length || bytes[at + 1] === 0x8b);
}

function checkTrailer(bytes: Buffer, at: number, crc: number, size: number, member: number): void {
  if (bytes.readUInt32LE(at) !== crc >>> 0) throw new Error(`gzip member ${member} fails its CRC-32 check (the data is corrupt)`);
  if (bytes.readUInt32LE(at + 4) !== size % 2 ** 32) throw new Error(`gzip member ${member} has the wrong length in its trailer (the data is corrupt)`);
}

/**
 * The first `limit` decompressed bytes of a gzip file's first bytes (a sniffing sample, possibly cut anywhere): the
 * members the sample holds, no bytes after the last member, and never more than `limit` (plus one small piece) held in
 * memory, however well the data compresses.
 */
export async function gunzipSample(sample: Buffer, limit: number): Promise<Buffer> {
  async function* pieces(): AsyncGenerator<Buffer> {
    for (let at = 0; at < sample.length; at += 4096) yield sample.subarray(at, at + 4096);
  }
  const out: Buffer[] = [];
  let length = 0;
  const members = gunzipMembers(pieces());
  try {
    while (length < limit) {
      const next = await members.next();
      if (next.done) break;
      out.push(next.value);
      length += next.value.length;
    }
  } catch (error) {
    if (!/unexpected end of file/.test((error as Error).message)) throw error; // the sample ends inside a member
  } finally {
    await members.return(undefined as never);
  }
  return Buffer.concat(out).subarray(0, limit);
}

export interface MemberStreamResult {
  members: number;
  /** Offset of the first byte that is not part of a member (nor zero padding), or null. */
  trailingAt: number | null;
  /** The file's size in bytes, as read. */
  bytes: number;
}

/**
 * Decodes a gzip file's chunks member by member, yielding decompressed pieces; returns where trailing bytes start.
 * Each member's deflate stream is fed to a raw inflater one chunk at a time; the inflater stops at the stream's end and
 * says how much of the chunk it used.
 */
export async function* gunzipMembers(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer, MemberStreamResult> {
  const source = chunks[Symbol.asyncIterator]();
  let pending: Buffer = Buffer.alloc(0);
  let offset = 0; // file offset of pending[0]
  let eof = false;
  let fileBytes = 0;
  const pull = async (): Promise<boolean> => {
    if (eof) return false;
    const next = await source.next();
    if (next.done) {
      eof = true;
      return false;
    }
    fileBytes += next.value.length;
    pending = pending.length ? Buffer.concat([pending, next.value]) : next.value;
    return true;
  };
  const consume = (bytes: number) => {
    pending = pending.subarray(bytes);
    offset += bytes;
  };
  let members = 0;
  for (;;) {
    if (pending.length === 0 && !(await pull())) return {members, trailingAt: null, bytes: fileBytes};
    if (members > 0) {
      let zeros = 0;
      while (zeros < pending.length && pending[zeros] === 0) zeros++;
      consume(zeros);
      if (pending.length === 0) continue;
      if (pending.length === 1 && !eof) await pull();
      if (!startsMember(pending, 0) || (pending.length === 1 && eof)) {
        while (await pull()); // read to the end, to report the file's size
        return {members, trailingAt: offset, bytes: fileBytes};
      }
    }
    let header = headerLength(pending, 0, members + 1);
    while (header === null) {
      if (!(await pull())) throw new Error(`unexpected end of file inside the header of gzip member ${members + 1}`);
      header = headerLength(pending, 0, members + 1);
    }
    consume(header);
    const inflate: InflateRaw = createInflateRaw({chunkSize: 1 << 20});
    const output: Buffer[] = [];
    let failure: Error | null = null;
    inflate.on("data", (piece: Buffer) => output.push(piece));
    inflate.on("error", (error) => (failure = error));
    let crc = 0;
    let size = 0;
    let used = 0; // input bytes the inflater consumed so far (its bytesWritten)
    for (;;) {
      if (pending.length === 0 && !(await pull())) {
        throw new Error(`unexpected end of file inside gzip member ${members + 1}`);
      }
      const fed = pending.length;
      await new Promise<void>((resolve) => inflate.write(pending, () => resolve()));
      if (failure) throw failure;
      for (const piece of output.splice(0)) {
        crc = crc32(piece, crc);
        size += piece.length;
        yield piece;
      }
      const consumed = inflate.bytesWritten - used;
      used = inflate.bytesWritten;
      consume(consumed);
      // The deflate stream ended inside what was fed (the rest is the trailer): the member's data is complete.
      if (consumed < fed) break;
      // Everything was used: the stream may have ended exactly at the chunk's end; the next (or no) input tells.
      if (pending.length === 0 && !(await pull())) {
        const ended = await finishInflater(inflate);
        for (const piece of output.splice(0)) {
          crc = crc32(piece, crc);
          size += piece.length;
          yield piece;
        }
        if (!ended) throw new Error(`unexpected end of file inside gzip member ${members + 1}`);
        break;
      }
    }
    inflate.destroy();
    while (pending.length < 8) if (!(await pull())) throw new Error(`unexpected end of file inside the trailer of gzip member ${members + 1}`);
    checkTrailer(pending, 0, crc, size, members + 1);
    consume(8);
    members++;
  }
}

/** Ends the inflater at the end of the input (its "data" listener collects the last output): true when its deflate stream was complete. */
function finishInflater(inflate: InflateRaw): Promise<boolean> {
  return new Promise((resolve) => {
    inflate.once("error", () => resolve(false));
    inflate.once("end", () => resolve(true));
    inflate.end();
  });
}

/** True for the error Node's gunzip raises on bytes after the last member that are not another member. */
export function isTrailingBytesError(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === "Z_DATA_ERROR" && /incorrect header check/.test((error as Error).message);
}
