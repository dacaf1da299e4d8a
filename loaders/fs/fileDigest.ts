/**
 * What the studio records about a file it wrote, to prove later that the file is still what it wrote: its size and
 * sha256, plus its modification and change times. The times make the usual check cheap (a `stat`); any write to a
 * file changes its change time (ctime), which no tool can set back, so a file whose times differ is hashed again and
 * accepted only if its digest still matches.
 */
import {createHash} from "node:crypto";
import {createReadStream} from "node:fs";
import {stat} from "node:fs/promises";
import {READ_STREAM_FLAGS} from "./regularFile.js";

export interface FileRecord {
  bytes: number;
  sha256: string;
  mtime_ms: number;
  ctime_ms: number;
}

/** sha256 of a file's bytes as stored (compressed files are hashed compressed). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, {highWaterMark: 1 << 20, flags: READ_STREAM_FLAGS})) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** The record of a file as it is now; `sha256` when the caller already knows it (it wrote or copied the bytes). */
export async function recordFile(path: string, sha256?: string): Promise<FileRecord> {
  const info = await stat(path);
  return {bytes: info.size, sha256: sha256 ?? (await sha256File(path)), mtime_ms: info.mtimeMs, ctime_ms: info.ctimeMs};
}

/**
 * Why the file no longer matches its record, or null when it does: size first, then (unless `full`) the times, and
 * only when they differ the digest. `full` always compares the digest (what a disk that flips bits needs).
 */
export async function fileMismatch(path: string, record: FileRecord, {full = false}: {full?: boolean} = {}): Promise<string | null> {
  const info = await stat(path).catch(() => null);
  if (!info) return "is missing";
  if (!info.isFile()) return "is not a regular file";
  if (info.size !== record.bytes) return `has ${info.size} bytes, not the ${record.bytes} written`;
  if (!full && info.mtimeMs === record.mtime_ms && info.ctimeMs === record.ctime_ms) return null;
  return (await sha256File(path)) === record.sha256 ? null : "has other bytes than were written (its sha256 differs)";
}

/** Whether a value read from JSON is a FileRecord. */
export function isFileRecord(value: unknown): value is FileRecord {
  const record = value as FileRecord;
  return (
    typeof record === "object" && record !== null &&
    Number.isSafeInteger(record.bytes) && typeof record.sha256 === "string" && /^[0-9a-f]{64}$/.test(record.sha256) &&
    typeof record.mtime_ms === "number" && typeof record.ctime_ms === "number"
  );
}
