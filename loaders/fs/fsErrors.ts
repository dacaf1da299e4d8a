/**
 * File-system failures the user can fix (a file they cannot read, a folder they cannot write, a full disk) turned into
 * a UserError that says which path, what is wrong and what to do; the CLI then exits 2 instead of reporting a bug.
 * Called by the code that knows what a path is for (an input, an output folder, the cache, an option's file): only it
 * can say what to do about it. Failures that are not about a path the user controls pass through unchanged (bugs).
 */
import {UserError, type ErrorLocation} from "../../src/core/contract/userError.js";

/** What a path is to the user, which decides the fix. */
export type PathRole = "input" | "output" | "cache" | "option";

export interface FsErrorContext {
  /** The path as the user gave it (or as a folder listing names it). */
  path: string;
  role: PathRole;
  /** The command-line option the path came from, e.g. "--out". */
  option?: string;
  /** What the studio was doing: "reading", "writing", "creating the folder", … */
  doing?: string;
}

const CACHE_CODES = new Set(["EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT", "EFBIG", "EIO"]);
const CACHE_FIX = "Make the cache folder writable and give it free space, or point DSCHAT_STUDIO_CACHE at another folder.";

/** Whether `error` is a Node system error (it has an errno code such as "EACCES"). */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string" && /^E[A-Z0-9]+$/.test((error as NodeJS.ErrnoException).code!);
}

/** DuckDB reports I/O failures as messages, not errno codes. */
function duckDbCode(error: unknown): string | null {
  const message = error instanceof Error ? error.message : "";
  if (/No space left on device/i.test(message)) return "ENOSPC";
  if (/Disk quota exceeded/i.test(message)) return "EDQUOT";
  if (/Permission denied/i.test(message)) return "EACCES";
  if (/Read-only file system/i.test(message)) return "EROFS";
  return null;
}

/**
 * The UserError for a system error on `context.path`, or `error` itself when it is not one the user can fix (it then
 * stays a bug, exit 1). The errno code stays in the message, for searching.
 */
export function fsUserError(error: unknown, context: FsErrorContext): unknown {
  if (error instanceof UserError) return error;
  const code = isSystemError(error) ? error.code! : duckDbCode(error);
  if (!code) return error;
  const {role, option} = context;
  const where: ErrorLocation = {file: context.path, ...(option && {option})};
  const doing = context.doing ? ` while ${context.doing}` : "";
  const explained = EXPLAIN[code];
  // In the cache the studio names every path itself: only a lack of permission or space is the user's to fix.
  if (!explained || (role === "cache" && !CACHE_CODES.has(code))) return error;
  const [what, fixes] = explained;
  const fix = role === "cache" ? CACHE_FIX : fixes[role];
  const detail = isSystemError(error) && error.path && error.path !== context.path ? `: ${error.path}` : "";
  return new UserError(`${what}${doing} (${code}${detail})`, {where, fix, code: `fs-${code.toLowerCase()}`, cause: error});
}

/** Runs `action` and turns a system error into a UserError about `context.path`. */
export async function withFsErrors<T>(context: FsErrorContext, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw fsUserError(error, context);
  }
}

type Fixes = Record<Exclude<PathRole, "cache">, string>;
const readable: Fixes = {
  input: "Make the file (and every folder above it) readable by this user, e.g. 'chmod a+r FILE', or run as its owner.",
  output: "Pass a folder you can write to (check the permissions of it and of the folders above it).",
  option: "Make the file readable by this user, or pass another one."
};
const space: Fixes = {
  input: "Free space on that disk.",
  output: "Free space on that disk, or pass an --out folder on another one.",
  option: "Free space on that disk."
};

const EXPLAIN: Record<string, [string, Fixes]> = {
  EACCES: ["permission denied", readable],
  EPERM: ["operation not permitted", readable],
  EROFS: ["is on a read-only file system", {...readable, output: "Pass an --out folder on a writable disk."}],
  ENOSPC: ["no space left on the device", space],
  EDQUOT: ["disk quota exceeded", space],
  EFBIG: ["file too large for this file system", space],
  ENOENT: [
    "does not exist",
    {input: "Check the path (it is resolved against the current folder).", output: "Check that the folder above it exists.", option: "Check the path (it is resolved against the current folder)."}
  ],
  ENOTDIR: [
    "a part of the path is a file, not a folder",
    {input: "Check the path.", output: "Pass a path whose parent folders are folders.", option: "Check the path."}
  ],
  EISDIR: ["is a folder where a file was expected", {input: "Pass a file.", output: "Pass another path.", option: "Pass a file, not a folder."}],
  ELOOP: ["is a loop of symbolic links", {input: "Fix or remove the link.", output: "Fix or remove the link.", option: "Fix or remove the link."}],
  ENAMETOOLONG: ["path is too long", {input: "Use a shorter path.", output: "Use a shorter path.", option: "Use a shorter path."}],
  EIO: ["input/output error from the device", {input: "Check the disk (dmesg), or copy the file elsewhere.", output: "Check the disk (dmesg).", option: "Check the disk."}],
  ENXIO: ["is a device or pipe with nothing behind it", {input: "Pass a regular file.", output: "Pass a folder.", option: "Pass a regular file."}]
};
