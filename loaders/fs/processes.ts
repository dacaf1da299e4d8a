/** Whether a process id belongs to a running process on this machine (a process we may not signal still runs). */
export function isRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A file or folder name's owner: leftovers are named `…-<pid>-<hex>`, and only a dead owner's are cleaned up. */
export function ownerIsGone(pid: number): boolean {
  return pid !== process.pid && !isRunning(pid);
}
