/**
 * A lock file between processes on one machine: `withLock(path, action)` creates `path` exclusively (O_EXCL), runs
 * the action and removes it. Another process waits until the lock is released, or until its holder is gone (its pid no
 * longer runs) or stopped refreshing it (a heartbeat touches the file every few seconds), so a `kill -9` never leaves
 * everyone waiting. What it protects must stay correct without it (it saves duplicate work and keeps readers away from
 * writers); it is advisory, not a proof against a process that ignores it.
 */
import {randomBytes} from "node:crypto";
import {hostname} from "node:os";
import {link, open, readFile, rename, stat, unlink, utimes} from "node:fs/promises";
import {isRunning} from "./processes.js";

export interface LockOptions {
  /** Called once when the lock is held by another process and this one starts waiting. */
  onWait?: (holder: {pid: number}) => void;
  /** A lock not refreshed for this long is stale even if its pid runs (pid reuse, a frozen process). */
  staleMs?: number;
}

interface LockContent {
  pid: number;
  host: string;
  token: string;
}

const HEARTBEAT_MS = 5_000;
const DEFAULT_STALE_MS = 60_000;

export async function withLock<T>(path: string, action: () => Promise<T>, {onWait, staleMs = DEFAULT_STALE_MS}: LockOptions = {}): Promise<T> {
  const token = randomBytes(8).toString("hex");
  const content: LockContent = {pid: process.pid, host: hostname(), token};
  let waited = false;
  let delay = 20;
  for (;;) {
    if (await tryCreate(path, content)) break;
    const holder = await readLock(path);
    if (holder === undefined) continue; // released between our attempt and the read
    if (await isStale(path, holder, staleMs)) {
      await breakLock(path, holder);
      continue;
    }
    if (!waited && holder) onWait?.({pid: holder.pid});
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 500);
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  try {
    return await action();
  } finally {
    clearInterval(heartbeat);
    // Remove it only if it is still ours (a waiter may have judged it stale and taken it over).
    const current = await readLock(path);
    if (current && current.token === token) await unlink(path).catch(() => undefined);
  }
}

async function tryCreate(path: string, content: LockContent): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(content));
  } finally {
    await handle.close();
  }
  return true;
}

/** The holder, null when the file is unreadable or half-written, undefined when there is no lock file. */
async function readLock(path: string): Promise<LockContent | null | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as LockContent;
    return typeof value?.pid === "number" && typeof value.token === "string" ? value : null;
  } catch {
    return null;
  }
}

async function isStale(path: string, holder: LockContent | null, staleMs: number): Promise<boolean> {
  if (holder && holder.host === hostname() && !isRunning(holder.pid)) return true;
  const info = await stat(path).catch(() => null);
  // A half-written file gets a moment to be completed by its creator before it counts as stale.
  return info !== null && Date.now() - info.mtimeMs > (holder ? staleMs : Math.min(staleMs, 2_000));
}

/** Removes the lock file at `path` when its holder is gone (a killed run); leaves a live or fresh one alone. */
export async function removeIfStale(path: string, {staleMs = DEFAULT_STALE_MS}: {staleMs?: number} = {}): Promise<void> {
  const holder = await readLock(path);
  if (holder === undefined) return;
  if (await isStale(path, holder, staleMs)) await breakLock(path, holder);
}

/**
 * Moves a stale lock aside and removes it. If what was moved turns out to be a fresh lock (another waiter broke the
 * stale one and took the lock in between), it is put back, unless yet another lock exists by then.
 */
async function breakLock(path: string, stale: LockContent | null): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const moved = await readLock(aside);
  if (moved && stale && moved.token !== stale.token) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}
