/**
 * A small POSIX tar (ustar, PAX for long paths) writer and reader. The writer is deterministic — sorted entries, mtime 0,
 * uid/gid 0, no user names, fixed gzip header — so the same sources give the same sourcedir.tar.gz bytes and digest,
 * which is how an unchanged bundle is recognised in S3. The reader serves the emulator (sourcedir.tar.gz, model.tar.gz
 * written by Python's tarfile) and refuses links and paths that would leave the destination.
 */
import {gunzipSync, gzipSync} from "node:zlib";

export interface TarEntry {
  /** Path inside the archive, "/"-separated, no leading "/". */
  path: string;
  data: Uint8Array;
  /** Unix permission bits; default 0o644. */
  mode?: number;
}

const BLOCK = 512;
const encoder = new TextEncoder();

function writeString(header: Uint8Array, offset: number, length: number, text: string) {
  const bytes = encoder.encode(text);
  if (bytes.length > length) throw new Error(`tar header field too long: ${text}`);
  header.set(bytes, offset);
}

function writeOctal(header: Uint8Array, offset: number, length: number, value: number) {
  writeString(header, offset, length, value.toString(8).padStart(length - 1, "0") + "\0");
}

function header(name: string, size: number, mode: number, type: string, prefix = ""): Uint8Array {
  const block = new Uint8Array(BLOCK);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, mode);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, 0);
  block.fill(0x20, 148, 156); // checksum counted as spaces
  writeString(block, 156, 1, type);
  writeString(block, 257, 6, "ustar\0");
  writeString(block, 263, 2, "00");
  writeString(block, 345, 155, prefix);
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return block;
}

/** ustar splits a path into prefix (≤155 bytes) + "/" + name (≤100 bytes); null when no split fits. */
function splitUstar(path: string): [string, string] | null {
  if (encoder.encode(path).length <= 100) return ["", path];
  for (let index = path.indexOf("/"); index !== -1; index = path.indexOf("/", index + 1)) {
    const prefix = path.slice(0, index);
    const name = path.slice(index + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(name).length <= 100 && name !== "") return [prefix, name];
  }
  return null;
}

function paxRecord(key: string, value: string): Uint8Array {
  const body = ` ${key}=${value}\n`;
  let length = encoder.encode(body).length + 1;
  while (String(length).length + encoder.encode(body).length !== length) length = String(length).length + encoder.encode(body).length;
  return encoder.encode(`${length}${body}`);
}

function padded(data: Uint8Array): Uint8Array[] {
  const rest = data.length % BLOCK;
  return rest === 0 ? [data] : [data, new Uint8Array(BLOCK - rest)];
}

export function checkTarPath(path: string): void {
  if (path === "" || path.startsWith("/") || path.split("/").some((part) => part === ".." || part === "") || path.includes("\0"))
    throw new Error(`unsafe path in archive: ${JSON.stringify(path)}`);
}

/** Uncompressed tar bytes of the entries, sorted by path. */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Uint8Array[] = [];
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.path === sorted[i - 1]!.path) throw new Error(`duplicate archive path ${sorted[i]!.path}`);
  for (const entry of sorted) {
    checkTarPath(entry.path);
    const mode = entry.mode ?? 0o644;
    const split = splitUstar(entry.path);
    if (split) parts.push(header(split[1], entry.data.length, mode, "0", split[0]));
    else {
      const pax = paxRecord("path", entry.path);
      parts.push(header("PaxHeader", pax.length, 0o644, "x"), ...padded(pax));
      parts.push(header("long-path", entry.data.length, mode, "0")); // readers take the PAX path
    }
    parts.push(...padded(entry.data));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  return Buffer.concat(parts);
}

/** gzip of `writeTar`, with the header's OS byte fixed so that the bytes do not depend on the platform. */
export function writeTarGz(entries: readonly TarEntry[]): Buffer {
  const gz = gzipSync(writeTar(entries), {level: 9});
  gz[9] = 3; // OS = Unix (the mtime field is already 0)
  return gz;
}

function readString(block: Uint8Array, offset: number, length: number): string {
  const slice = block.subarray(offset, offset + length);
  const end = slice.indexOf(0);
  return Buffer.from(end === -1 ? slice : slice.subarray(0, end)).toString("utf8");
}

function readOctal(block: Uint8Array, offset: number, length: number): number {
  const text = readString(block, offset, length).trim();
  return text === "" ? 0 : Number.parseInt(text, 8);
}

function parsePax(data: Uint8Array): Record<string, string> {
  const records: Record<string, string> = {};
  const text = Buffer.from(data).toString("utf8");
  let offset = 0;
  while (offset < text.length) {
    const space = text.indexOf(" ", offset);
    if (space === -1) break;
    const length = Number.parseInt(text.slice(offset, space), 10);
    if (!(length > 0)) break;
    const record = text.slice(space + 1, offset + length - 1);
    const equals = record.indexOf("=");
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    offset += length;
  }
  return records;
}

export interface ReadTarOptions {
  /** Largest total of file bytes accepted (default 4 GiB). */
  maxBytes?: number;
}

/** Files of a tar or tar.gz (directories are implied by paths). Symbolic and hard links are refused. */
export function readTar(archive: Uint8Array, options: ReadTarOptions = {}): TarEntry[] {
  const bytes = archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive) : archive;
  const entries: TarEntry[] = [];
  const maxBytes = options.maxBytes ?? 4 * 1024 ** 3;
  let total = 0;
  let offset = 0;
  let pending: Record<string, string> = {};
  let longName: string | null = null;
  while (offset + BLOCK <= bytes.length) {
    const block = bytes.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) break;
    const size = readOctal(block, 124, 12);
    const type = String.fromCharCode(block[156] || 0x30);
    const dataStart = offset + BLOCK;
    const data = bytes.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x") {
      pending = {...pending, ...parsePax(data)};
      continue;
    }
    if (type === "g") continue;
    if (type === "L") {
      longName = readString(data, 0, data.length);
      continue;
    }
    const prefix = readString(block, 345, 155);
    const name = pending.path ?? longName ?? (prefix ? `${prefix}/${readString(block, 0, 100)}` : readString(block, 0, 100));
    pending = {};
    longName = null;
    const path = name.replace(/^\.\//, "");
    if (type === "5" || path === "" || path === ".") continue;
    if (type === "1" || type === "2") throw new Error(`archive holds a link (${path}); links are not accepted`);
    if (type !== "0" && type !== "\0" && type !== "7") continue;
    checkTarPath(path.replace(/\/$/, ""));
    total += size;
    if (total > maxBytes) throw new Error(`archive holds more than ${maxBytes} bytes`);
    entries.push({path, data: new Uint8Array(data), mode: readOctal(block, 100, 8)});
  }
  return entries;
}
