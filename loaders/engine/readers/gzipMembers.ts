/**
 * A gzip decoder that knows where each member ends, for files with bytes after the last member. `gzip -d` decodes
 * the members and ignores such trailing bytes with a warning; Node's gunzip instead fails on them and drops the output
 * of the last block it decoded. The readers decode with Node's fast gunzip and fall back to this decoder (which
 * re-decodes from the start) only when that happens.
 *
 * Each member is inflated raw, one pushed chunk at a time, with the synchronous engine call that zlib's own
 * `inflateRawSync` uses (`_processChunk`): it stops exactly at the member's end, where the CRC-32 and size in the
 * member's trailer are checked, and the next bytes are either another member or the trailing bytes.
 */
import * as zlib from "node:zlib";
import {constants, createInflateRaw, type InflateRaw} from "node:zlib";

const EMPTY = Buffer.alloc(0);

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
const FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16;

/** Node's zlib internals this decoder relies on (stable since Node 0.11; tested in engine-readers.test.ts). */
interface SyncInflate {
  _processChunk(chunk: Buffer, flushFlag: number): Buffer;
  _handle: unknown;
  bytesWritten: number;
}

export class GzipMemberDecoder {
  private pending: Buffer = EMPTY;
  private inflate: (InflateRaw & SyncInflate) | null = null;
  private state: "header" | "body" | "trailer" | "done" = "header";
  private crc = 0;
  private size = 0;
  /** Compressed offset of pending[0]. */
  private offset = 0;
  /** Complete members decoded. */
  members = 0;
  /** Compressed offset where bytes that are not a gzip member start (they are ignored), or null. */
  trailingAt: number | null = null;

  /** Decodes what `chunk` completes; returns the decompressed pieces. After the trailing bytes, input is ignored. */
  push(chunk: Buffer): Buffer[] {
    if (this.state === "done") return [];
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      if (this.state === "header" ? !this.readHeader() : this.state === "body" ? !this.readBody(out) : this.state === "trailer" ? !this.readTrailer() : true) break;
    }
    return out;
  }

  /** The input ended: throws when it ended inside a member. */
  finish(): void {
    if (this.state === "body" || this.state === "trailer" || (this.state === "header" && this.pending.length > 0 && this.members === 0)) {
      throw new Error(`unexpected end of file inside gzip member ${this.members + 1}`);
    }
    if (this.state === "header" && this.pending.length > 0) this.trailingAt = this.offset; // a cut-off header: trailing bytes
    this.inflate?.close();
  }

  private consume(bytes: number): void {
    this.pending = this.pending.subarray(bytes);
    this.offset += bytes;
  }

  private readHeader(): boolean {
    const b = this.pending;
    if (this.members > 0) {
      // Zero bytes after a member are padding (tape blocks); anything else that is not a member is trailing bytes.
      let zeros = 0;
      while (zeros < b.length && b[zeros] === 0) zeros++;
      this.consume(zeros);
      if (this.pending.length === 0) return false;
      if (this.pending[0] !== 0x1f || (this.pending.length > 1 && this.pending[1] !== 0x8b)) {
        this.trailingAt = this.offset;
        this.state = "done";
        this.pending = EMPTY;
        return false;
      }
    }
    const h = this.pending;
    if (h.length < 10) return false;
    if (h[0] !== 0x1f || h[1] !== 0x8b) throw new Error("not gzip data (no gzip header)");
    if (h[2] !== 8) throw new Error(`gzip member ${this.members + 1} uses unknown compression method ${h[2]}`);
    const flags = h[3];
    let at = 10;
    if (flags & FEXTRA) {
      if (h.length < at + 2) return false;
      at += 2 + h.readUInt16LE(at);
    }
    for (const flag of [FNAME, FCOMMENT]) {
      if (!(flags & flag)) continue;
      const end = h.indexOf(0, at);
      if (end === -1) return false;
      at = end + 1;
    }
    if (flags & FHCRC) at += 2;
    if (h.length < at) return false;
    this.consume(at);
    this.inflate = createInflateRaw() as InflateRaw & SyncInflate;
    this.crc = 0;
    this.size = 0;
    this.state = "body";
    return true;
  }

  private readBody(out: Buffer[]): boolean {
    if (this.pending.length === 0) return false;
    const inflate = this.inflate!;
    const before = inflate.bytesWritten;
    const piece = inflate._processChunk(this.pending, constants.Z_SYNC_FLUSH);
    if (piece.length) {
      this.crc = crc32(piece, this.crc);
      this.size += piece.length;
      out.push(piece);
    }
    this.consume(inflate.bytesWritten - before);
    // zlib closes the engine at the end of the deflate stream.
    if (inflate._handle === null) {
      this.state = "trailer";
      return true;
    }
    return this.pending.length > 0;
  }

  private readTrailer(): boolean {
    if (this.pending.length < 8) return false;
    const crc = this.pending.readUInt32LE(0);
    const size = this.pending.readUInt32LE(4);
    if (crc !== this.crc >>> 0) throw new Error(`gzip member ${this.members + 1} fails its CRC-32 check (the data is corrupt)`);
    if (size !== this.size % 2 ** 32) throw new Error(`gzip member ${this.members + 1} has the wrong length in its trailer (the data is corrupt)`);
    this.consume(8);
    this.members++;
    this.inflate = null;
    this.state = "header";
    return true;
  }
}

/** True for the error Node's gunzip raises on bytes after the last member that are not another member. */
export function isTrailingBytesError(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === "Z_DATA_ERROR" && /incorrect header check/.test((error as Error).message);
}
