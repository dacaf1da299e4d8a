import {createHash, randomBytes} from "node:crypto";
import {access, mkdir, readdir, rename, rm, stat} from "node:fs/promises";
import {join, resolve} from "node:path";
import {fileURLToPath} from "node:url";

/** Bump when the engine's output for the same input and options changes; old cache entries then stop matching. */
export const ENGINE_VERSION = "2";

/** Written last into a cache entry: its presence means the entry is complete. */
export const SUMMARY_FILE = "summary.json";

const PROJECT_ROOT = resolve(fileURLToPath(new URL("../../", import.meta.url)));

/** `$DSCHAT_STUDIO_CACHE`, else `data/cache` under the project root. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.DSCHAT_STUDIO_CACHE;
  return override ? resolve(override) : join(PROJECT_ROOT, "data", "cache");
}

/** Everything that changes a conversion's output; the key is the sha256 of its canonical JSON. */
export interface CacheKeyParts {
  inputs: Array<{source: string; sha256: string}>;
  format: string | null;
  map: string | null;
  evalRatio: number;
  seed: number;
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

/** The entry's folder when it is complete, else null. */
export async function findCacheEntry(root: string, key: string): Promise<string | null> {
  const dir = cacheEntryDir(root, key);
  return access(join(dir, SUMMARY_FILE)).then(() => dir, () => null);
}

/**
 * A fresh folder beside the entries, on the same file system, to build an entry in. Staging folders left by runs that
 * were killed (their process is gone) are removed on the way.
 */
export async function createStagingDir(root: string): Promise<string> {
  const parent = join(root, "convert");
  await mkdir(parent, {recursive: true});
  for (const name of await readdir(parent)) {
    const pid = Number(/^\.staging-(\d+)-/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !isRunning(pid)) await rm(join(parent, name), {recursive: true, force: true});
  }
  const dir = join(parent, `.staging-${process.pid}-${randomBytes(4).toString("hex")}`);
  await mkdir(dir);
  return dir;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Renames a finished staging folder into place; if another run committed the same key first, keeps theirs. */
export async function commitCacheEntry(root: string, key: string, stagingDir: string): Promise<string> {
  const dir = cacheEntryDir(root, key);
  await rm(dir, {recursive: true, force: true});
  try {
    await rename(stagingDir, dir);
  } catch (error) {
    await rm(stagingDir, {recursive: true, force: true});
    if (!(await findCacheEntry(root, key))) throw error;
  }
  return dir;
}

/** Size and mtime of each file, recorded at commit time; outputs are hard-linked, so an edit through --out shows here. */
export type FileFingerprints = Record<string, {bytes: number; mtimeMs: number}>;

export async function fingerprintFiles(dir: string, names: readonly string[]): Promise<FileFingerprints> {
  const fingerprints: FileFingerprints = {};
  for (const name of names) {
    const info = await stat(join(dir, name));
    fingerprints[name] = {bytes: info.size, mtimeMs: info.mtimeMs};
  }
  return fingerprints;
}

/** False when a file is gone or was changed since the entry was committed (e.g. someone edited a linked train.json). */
export async function filesUnchanged(dir: string, fingerprints: FileFingerprints): Promise<boolean> {
  for (const [name, {bytes, mtimeMs}] of Object.entries(fingerprints)) {
    const info = await stat(join(dir, name)).catch(() => null);
    if (!info || info.size !== bytes || info.mtimeMs !== mtimeMs) return false;
  }
  return true;
}
