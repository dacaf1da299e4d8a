/**
 * Reading a file the user named, safely: only regular files (a FIFO would block forever, /dev/zero never ends, a
 * socket or a folder is not data), opened without blocking, and read with a size bound that the message names. Every
 * option and input that takes a file goes through here, so `--catalog /dev/zero` or `--from <(cat plan.json)` is
 * refused at once with what it is and what to do.
 */
import {closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats} from "node:fs";
import {open, stat, type FileHandle} from "node:fs/promises";
import {UserError, type ErrorLocation} from "../../src/core/contract/userError.js";
import {fsUserError, type PathRole} from "./fsErrors.js";

/**
 * Flags for opening a user's file for reading: O_NONBLOCK so that opening a FIFO returns at once (and reading one
 * fails with EAGAIN instead of waiting), O_NOCTTY so that a terminal device never becomes ours. Regular files read the
 * same with or without them.
 */
export const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;
/** READ_FLAGS for `createReadStream`, which passes numeric flags to open(2) although its types say string. */
export const READ_STREAM_FLAGS = READ_FLAGS as unknown as string;

export interface FileContext {
  /** The path as the user wrote it, for messages (default: the path). */
  shown?: string;
  /** The option it came from ("--catalog"); none for positional inputs. */
  option?: string;
  /** Decides the fix of permission errors (default "option" with an option, else "input"). */
  role?: PathRole;
  /** What the file should be, for the fix: "a plan.json written by 'dschat-studio plan --out'". */
  what?: string;
}

export interface ReadBound extends FileContext {
  /** Bytes this file may hold; more is refused with this limit named. */
  maxBytes: number;
}

const MiB = 1024 * 1024;
/** Limits of the small JSON files options take (plan.json, a catalogue, stats output, config.json, manifest.json). */
export const JSON_OPTION_MAX_BYTES = 64 * MiB;
/** Tokenizer files: the largest public tokenizer.json files are ~35 MB; parsing one holds several times its size. */
export const TOKENIZER_MAX_BYTES = 256 * MiB;

/** What a non-regular file is, in words; null for a regular file. */
export function specialFileKind(stats: Stats): string | null {
  if (stats.isFile()) return null;
  if (stats.isDirectory()) return "a folder";
  if (stats.isFIFO()) return "a pipe (a FIFO, or a process substitution such as <(cat file))";
  if (stats.isCharacterDevice()) return "a character device (such as /dev/zero, /dev/null or a terminal)";
  if (stats.isBlockDevice()) return "a block device (a disk)";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

function where(path: string, context: FileContext): ErrorLocation {
  return {file: context.shown ?? path, ...(context.option && {option: context.option})};
}

function role(context: FileContext): PathRole {
  return context.role ?? (context.option ? "option" : "input");
}

/** The UserError for a file that is not a regular file. */
export function notRegularFileError(path: string, kind: string, context: FileContext): UserError {
  const reason = kind === "a folder" ? "" : ": reading it could wait forever or never end";
  const fix =
    kind === "a folder"
      ? `Pass a file${context.what ? ` (${context.what})` : ""}, not a folder.`
      : `Save the data to a regular file first (e.g. 'cat SOURCE > data.json') and pass that file${context.what ? ` (${context.what})` : ""}.`;
  return new UserError(`is ${kind}, not a regular file${reason}`, {where: where(path, context), fix, code: "not-regular-file"});
}

function tooLargeError(path: string, bytes: number | null, maxBytes: number, context: FileContext): UserError {
  const size = bytes === null ? "more than" : `${formatBytes(bytes)}, more than`;
  return new UserError(`is ${size} the ${formatBytes(maxBytes)} this ${context.option ? `${context.option} file` : "file"} may hold`, {
    where: where(path, context),
    fix: `Pass the right file${context.what ? ` (${context.what})` : ""}; a file of this kind is far smaller.`,
    code: "file-too-large"
  });
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(bytes % MiB === 0 ? 0 : 1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** `stat` of a path that must be a regular file (symbolic links followed); a UserError otherwise. */
export function statRegularFileSync(path: string, context: FileContext = {}): Stats {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw fsUserError(error, {path: context.shown ?? path, role: role(context), option: context.option, doing: "reading"});
  }
  const kind = specialFileKind(stats);
  if (kind) throw notRegularFileError(path, kind, context);
  return stats;
}

/** The async `statRegularFileSync`. */
export async function statRegularFile(path: string, context: FileContext = {}): Promise<Stats> {
  let stats: Stats;
  try {
    stats = await stat(path);
  } catch (error) {
    throw fsUserError(error, {path: context.shown ?? path, role: role(context), option: context.option, doing: "reading"});
  }
  const kind = specialFileKind(stats);
  if (kind) throw notRegularFileError(path, kind, context);
  return stats;
}

/**
 * Opens a regular file for reading without ever blocking, checking what was opened (not what the path was a moment
 * before). The caller closes the handle.
 */
export async function openRegularFile(path: string, context: FileContext = {}): Promise<{handle: FileHandle; stats: Stats}> {
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    throw fsUserError(error, {path: context.shown ?? path, role: role(context), option: context.option, doing: "opening it"});
  }
  try {
    const stats = await handle.stat();
    const kind = specialFileKind(stats);
    if (kind) throw notRegularFileError(path, kind, context);
    return {handle, stats};
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * A whole regular file, at most `maxBytes` (checked against its size before reading, and again while reading, since
 * files under /proc report a size of 0).
 */
export function readRegularFileSync(path: string, {maxBytes, ...context}: ReadBound): Buffer {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (error) {
    throw fsUserError(error, {path: context.shown ?? path, role: role(context), option: context.option, doing: "opening it"});
  }
  try {
    const stats = fstatSync(fd);
    const kind = specialFileKind(stats);
    if (kind) throw notRegularFileError(path, kind, context);
    if (stats.size > maxBytes) throw tooLargeError(path, stats.size, maxBytes, context);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(stats.size - total + 1, 64 * 1024), maxBytes + 1 - total));
      let read: number;
      try {
        read = readSync(fd, chunk, 0, chunk.length, null);
      } catch (error) {
        throw fsUserError(error, {path: context.shown ?? path, role: role(context), option: context.option, doing: "reading"});
      }
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      total += read;
      if (total > maxBytes) throw tooLargeError(path, null, maxBytes, context);
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** `readRegularFileSync` as UTF-8 text. */
export function readRegularTextSync(path: string, bound: ReadBound): string {
  return readRegularFileSync(path, bound).toString("utf8");
}
