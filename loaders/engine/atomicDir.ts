import {randomBytes} from "node:crypto";
import {access, mkdir, readdir, rename, rm} from "node:fs/promises";
import {basename, dirname, join} from "node:path";
import {UserError} from "../../src/core/contract/userError.js";
import {MANIFEST_FILE} from "../../src/core/contract/manifest.js";


/**
 * Runs `write(tempDir)` in a fresh sibling of `target`, then renames it onto `target`, so readers see either the old
 * folder or the complete new one, never a half-written one. If `write` throws, the temp folder is removed and the
 * target is untouched. An existing target is replaced only when it is empty or is one of our outputs (has a manifest).
 */
export async function writeDirAtomically<T>(target: string, write: (tempDir: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(target), {recursive: true});
  await assertReplaceable(target);
  const temp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  await mkdir(temp);
  let result: T;
  try {
    result = await write(temp);
  } catch (error) {
    await rm(temp, {recursive: true, force: true});
    throw error;
  }
  const old = join(dirname(target), `.${basename(target)}.old-${process.pid}-${randomBytes(4).toString("hex")}`);
  const hadOld = await rename(target, old).then(() => true, (error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return false;
    throw error;
  });
  try {
    await rename(temp, target);
  } catch (error) {
    if (hadOld) await rename(old, target).catch(() => undefined);
    await rm(temp, {recursive: true, force: true});
    throw error;
  }
  if (hadOld) await rm(old, {recursive: true, force: true});
  return result;
}

async function assertReplaceable(target: string): Promise<void> {
  const entries = await readdir(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    if (error.code === "ENOTDIR") throw new UserError("is a file, not a folder", {where: {option: "--out", file: target}, fix: "Give a folder path."});
    throw error;
  });
  if (entries === null || entries.length === 0) return;
  const ours = await access(join(target, MANIFEST_FILE)).then(() => true, () => false);
  if (!ours) {
    throw new UserError(`already exists and is not a dschat-studio output (no ${MANIFEST_FILE}); refusing to replace it`, {
      where: {option: "--out", file: target},
      fix: "Choose a new folder or delete this one."
    });
  }
}
