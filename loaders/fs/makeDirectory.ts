import {mkdir} from "node:fs/promises";
import {dirname} from "node:path";

/**
 * `mkdir -p`, bounded by the path's depth: Node 20's `mkdir(…, {recursive: true})` spins forever on some paths (e.g.
 * under /proc). Errors are the system's (the caller knows what the folder is for and maps them, see fsErrors.ts).
 */
export async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    const parent = dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw error;
    await makeDirectory(parent);
    await mkdir(dir).catch((retry: NodeJS.ErrnoException) => {
      if (retry.code !== "EEXIST") throw retry;
    });
  }
}
