/**
 * The conversion cache: one folder per key under `<root>/convert/<key>/`, each built in a staging folder and renamed
 * into place whole, so an entry is complete or absent. `summary.json` records every file of the entry (size, sha256,
 * times); an entry is verified before it is served (sizes and times by default, which any write changes; the sha256 of
 * every file when they differ or with DSCHAT_STUDIO_VERIFY_CACHE=full) and a damaged one is moved aside and rebuilt.
 * Runs on the same key take a lock (`<key>.lock`) so that one builds while the others wait, then read its entry.
 */
import {createHash, randomBytes} from "node:crypto";
import {lstat, mkdir, readdir, readFile, rename, rm, writeFile} from "node:fs/promises";
import {join, relative, resolve, sep} from "node:path";
import {fileURLToPath} from "node:url";
import {crashPoint} from "../fs/crashPoint.js";
import {fileMismatch, isFileRecord, recordFile, type FileRecord} from "../fs/fileDigest.js";
import {removeIfStale, withLock} from "../fs/lock.js";
import {ownerIsGone} from "../fs/processes.js";

/** Bump when the engine's output for the same input and options changes; old cache entries then stop matching. */
export const ENGINE_VERSION = "3";

/** Written last into a cache entry: the summary and the record of every file. */
export const SUMMARY_FILE = "summary.json";

/** `DSCHAT_STUDIO_VERIFY_CACHE=full`: hash every file of an entry before serving it, not only when its times changed. */
export const VERIFY_VARIABLE = "DSCHAT_STUDIO_VERIFY_CACHE";

const PROJECT_ROOT = resolve(fileURLToPath(new URL("../../", import.meta.url)));

/** `$DSCHAT_STUDIO_CACHE`, else `data/cache` under the project root. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.DSCHAT_STUDIO_CACHE;
  return override ? resolve(override) : join(PROJECT_ROOT, "data", "cache");
}

/** Whether entries are verified by their full digests (`DSCHAT_STUDIO_VERIFY_CACHE=full`). */
export function verifiesFully(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[VERIFY_VARIABLE] === "full";
}

/** Everything that changes a conversion's output; the key is the sha256 of its canonical JSON. */
export interface CacheKeyParts {
  inputs: Array<{source: string; sha256: string}>;
  format: string | null;
  map: string | null;
  evalRatio: number;
  seed: number;
  /** --reasoning and its markers, e.g. "inline:<think>,</think>". */
  reasoning: string;
  formatsVersion: string;
  /** A recipe's filter; absent or null leaves the keys of unfiltered conversions as they were. */
  filter?: string | null;
}

export function cacheKeyOf(parts: CacheKeyParts): string {
  const {filter, ...rest} = parts;
  const canonical = JSON.stringify({engine: ENGINE_VERSION, ...rest, inputs: parts.inputs.map(({source, sha256}) => [source, sha256]), ...(filter ? {filter} : {})});
  return createHash("sha256").update(canonical).digest("hex").slice(0, 32);
}

export function cacheEntryDir(root: string, key: string): string {
  return join(root, "convert", key);
}

/** What summary.json holds: the conversion's summary and a record of each file (paths relative to the entry, "/"). */
export interface StoredEntry<S> {
  summary: S;
  files: Record<string, FileRecord>;
}

/** The entry's summary.json, or null when it is missing, unreadable or of an older layout. */
export async function readStoredEntry<S>(dir: string): Promise<StoredEntry<S> | null> {
  try {
    const stored = JSON.parse(await readFile(join(dir, SUMMARY_FILE), "utf8")) as Partial<StoredEntry<S>>;
    if (!stored.summary || typeof stored.files !== "object" || stored.files === null) return null;
    return Object.values(stored.files).every(isFileRecord) ? (stored as StoredEntry<S>) : null;
  } catch {
    return null;
  }
}

/** Why the entry does not match its record (null when it does): a file missing, resized or with other bytes. */
export async function entryMismatch(dir: string, files: Record<string, FileRecord>, {full = false}: {full?: boolean} = {}): Promise<string | null> {
  for (const [name, record] of Object.entries(files)) {
    const mismatch = await fileMismatch(join(dir, name), record, {full});
    if (mismatch) return `${name} ${mismatch}`;
  }
  return null;
}

/**
 * The complete, verified entry for `key`, or null when there is none. A damaged entry (unreadable summary, a file
 * changed or missing) is moved aside and removed, and `log` says why; the caller then builds it again.
 */
export async function findVerifiedEntry<S>(root: string, key: string, {full = false, log}: {full?: boolean; log?: (message: string) => void} = {}): Promise<{dir: string; stored: StoredEntry<S>} | null> {
  const dir = cacheEntryDir(root, key);
  if (!(await lstat(dir).then(() => true, () => false))) return null;
  const stored = await readStoredEntry<S>(dir);
  const problem = stored ? await entryMismatch(dir, stored.files, {full}) : `${SUMMARY_FILE} is missing, unreadable or from an older version`;
  if (!problem) return {dir, stored: stored!};
  log?.(`cache entry ${dir} is damaged (${problem}); converting again`);
  await discardEntry(root, dir);
  return null;
}

/** Files of a finished staging folder and their records, for summary.json; `known` gives digests already computed. */
export async function recordEntryFiles(dir: string, known: Readonly<Record<string, string>> = {}): Promise<Record<string, FileRecord>> {
  const files: Record<string, FileRecord> = {};
  for (const name of await listFiles(dir)) if (name !== SUMMARY_FILE) files[name] = await recordFile(join(dir, name), known[name]);
  return files;
}

async function listFiles(dir: string, root = dir): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) names.push(...(await listFiles(path, root)));
    else names.push(relative(root, path).split(sep).join("/"));
  }
  return names.sort();
}

/** Writes summary.json, the last file of an entry. */
export async function writeStoredEntry<S>(dir: string, stored: StoredEntry<S>): Promise<void> {
  await writeFile(join(dir, SUMMARY_FILE), JSON.stringify(stored, null, 2) + "\n");
}

/**
 * Removes what runs that were killed left in the cache: staging and discarded folders and moved-aside locks of a dead
 * process, and locks whose holder is gone. Every run does this before it takes its own lock.
 */
export async function removeCacheLeftovers(root: string): Promise<void> {
  const parent = join(root, "convert");
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const pid = Number(/^\.(?:staging|trash)-(\d+)-/.exec(name)?.[1] ?? /^[0-9a-f]{32}\.lock\.stale-(\d+)-/.exec(name)?.[1]);
    if (pid && ownerIsGone(pid)) await rm(join(parent, name), {recursive: true, force: true});
    else if (/^[0-9a-f]{32}\.lock$/.test(name)) await removeIfStale(join(parent, name));
  }
}

/** A fresh folder beside the entries, on the same file system, to build an entry in. */
export async function createStagingDir(root: string): Promise<string> {
  const parent = join(root, "convert");
  await mkdir(parent, {recursive: true});
  const dir = join(parent, `.staging-${process.pid}-${randomBytes(4).toString("hex")}`);
  await mkdir(dir);
  return dir;
}

/** Moves an entry out of the way in one rename (readers see it whole or not at all), then deletes it. */
export async function discardEntry(root: string, dir: string): Promise<void> {
  const trash = join(root, "convert", `.trash-${process.pid}-${randomBytes(4).toString("hex")}`);
  const moved = await rename(dir, trash).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return false;
      throw error;
    }
  );
  if (moved) await rm(trash, {recursive: true, force: true});
}

/**
 * Renames a finished staging folder into place. If an entry appeared meanwhile (a run that did not wait for the lock),
 * a verified one is kept and ours dropped; a damaged one is replaced.
 */
export async function commitCacheEntry(root: string, key: string, stagingDir: string): Promise<string> {
  const dir = cacheEntryDir(root, key);
  crashPoint("cache:before-commit");
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(stagingDir, dir);
      crashPoint("cache:committed");
      return dir;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== "ENOTEMPTY" && code !== "EEXIST") || attempt > 0) {
        await rm(stagingDir, {recursive: true, force: true});
        throw error;
      }
      if (await findVerifiedEntry(root, key)) {
        await rm(stagingDir, {recursive: true, force: true});
        return dir;
      }
    }
  }
}

/** Runs `action` holding the key's lock; `onWait` is told when another process holds it. */
export async function withEntryLock<T>(root: string, key: string, action: () => Promise<T>, onWait?: (pid: number) => void): Promise<T> {
  await mkdir(join(root, "convert"), {recursive: true});
  await removeCacheLeftovers(root);
  return withLock(join(root, "convert", `${key}.lock`), action, {onWait: onWait && (({pid}) => onWait(pid))});
}
