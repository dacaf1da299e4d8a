/**
 * Writing an output folder the user named (`convert --out`, `plan --out`) without ever losing their files:
 *
 * - **What may be replaced.** Nothing, an empty folder, or one of our outputs of the same kind that holds nothing
 *   else: a folder whose marker file (`.dschat-studio.json`) lists exactly the files in it, each still the size and
 *   sha256 we wrote. Anything else (a folder with a stray `manifest.json`, an output someone added a file to or edited,
 *   a file, a symbolic link to somewhere else) is refused, and nothing is touched.
 * - **Atomic swap.** The output is written into a hidden sibling `.NAME.dschat-<pid>-<hex>/`, and `NAME` is a symbolic
 *   link to it, replaced by rename(2) of a new link: at every instant `NAME` is the old complete output or the new
 *   one. Readers see files through the link (`cat NAME/train.json`, `cp NAME/*.json dest/`, `cp -rL NAME dest`).
 * - **Older layouts.** An output written by an older version (a real folder that passes the kind's `isLegacyOutput`)
 *   is replaced once by the link: its folder is first renamed to a hidden version name, then the link takes its place.
 *   A kill between those two renames leaves `NAME` missing; the next run restores the old output before anything else.
 *   File systems without symbolic links get the same two renames every time.
 * - **Concurrent runs** on the same path take turns (a lock file `.NAME.dschat.lock` beside it, released by a killed
 *   run's death); the last to finish wins, and each leaves a complete output.
 * - **Leftovers.** Hidden siblings of killed runs and replaced versions are removed by the next successful run, but
 *   only when every file in them is one this kind writes.
 *
 * Test hook: `crashPoint` (see crashPoint.ts) names each step, for the kill -9 tests.
 */
import {randomBytes} from "node:crypto";
import {lstat, mkdir, readdir, readFile, readlink, rename, rm, rmdir, symlink, unlink, writeFile} from "node:fs/promises";
import {basename, dirname, join} from "node:path";
import {UserError} from "../../src/core/contract/userError.js";
import {crashPoint} from "./crashPoint.js";
import {fileMismatch, isFileRecord, recordFile, type FileRecord} from "./fileDigest.js";
import {fsUserError} from "./fsErrors.js";
import {withLock} from "./lock.js";
import {makeDirectory} from "./makeDirectory.js";
import {ownerIsGone} from "./processes.js";

/** The marker file in every output folder: `{tool, kind, files: {name: FileRecord}}`. */
export const OUTPUT_MARKER = ".dschat-studio.json";
const TOOL = "dschat-studio";

export interface OutputSpec<T> {
  /** The kind of output ("convert", "plan"): an output of another kind is never replaced. */
  kind: string;
  /** Every file the output holds besides the marker; `write` writes exactly these. */
  files: readonly string[];
  /** The option the path came from, for messages (default "--out"). */
  option?: string;
  /** Fills the fresh folder. */
  write: (dir: string) => Promise<T>;
  /**
   * The sha256 each file will have, when known before writing (convert copies a verified cache entry): they spare
   * hashing the files again, and when the target already is an unchanged output holding exactly these files, nothing
   * is written at all (`write` is not called and the result is undefined).
   */
  digests?: Readonly<Record<string, string>>;
  /** Whether a real folder without a marker, holding `names`, is an output of this kind written by an older version. */
  isLegacyOutput?: (dir: string, names: readonly string[]) => Promise<boolean>;
  /** False: never use a symbolic link (the two-rename swap, as on file systems without links). Default: links. */
  symlinks?: boolean;
}

type TargetState =
  | {kind: "absent"}
  | {kind: "empty-folder"}
  | {kind: "link"}
  | {kind: "folder"};

export async function replaceOutputDir<T>(target: string, spec: OutputSpec<T>): Promise<T | undefined> {
  const option = spec.option ?? "--out";
  const parent = dirname(target);
  const base = basename(target);
  const fail = (doing: string) => (error: unknown) => {
    throw fsUserError(error, {path: target, role: "output", option, doing});
  };
  await makeDirectory(parent).catch(fail("creating the folders above it"));
  return withOutputLock(target, option, () => replaceLocked(target, spec, option));
}

/**
 * Runs `action` holding the output's lock (`.NAME.dschat.lock` beside it): runs writing the same output take turns,
 * so every version folder that is not the current one belongs to no running writer and can be removed.
 */
async function withOutputLock<T>(target: string, option: string, action: () => Promise<T>): Promise<T> {
  const lock = join(dirname(target), `.${basename(target)}.dschat.lock`);
  try {
    return await withLock(lock, action);
  } catch (error) {
    throw fsUserError(error, {path: target, role: "output", option, doing: "writing in the folder above it"});
  }
}

async function replaceLocked<T>(target: string, spec: OutputSpec<T>, option: string): Promise<T | undefined> {
  const parent = dirname(target);
  const base = basename(target);
  const fail = (doing: string) => (error: unknown) => {
    throw fsUserError(error, {path: target, role: "output", option, doing});
  };
  let useLinks = spec.symlinks !== false;
  await recoverMissingOutput(parent, base, spec, useLinks).catch(fail("restoring the output a killed run left aside"));
  const state = await assessTarget(target, spec, option);
  if (state.kind === "link" && spec.digests && (await holdsExactly(target, spec.files, spec.digests))) {
    await removeLeftovers(parent, base, spec).catch(() => undefined);
    return undefined; // the same output is already there, verified unchanged by assessTarget
  }
  const id = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const versionName = `.${base}.dschat-${id}`;
  const versionDir = join(parent, versionName);
  await mkdir(versionDir).catch(fail("creating its new version folder"));
  let result: T;
  let linked = false;
  try {
    result = await spec.write(versionDir);
    await writeMarker(versionDir, spec, spec.digests ?? {});
    crashPoint("out:written");
    if (useLinks) {
      const link = join(parent, `${versionName}.link`);
      useLinks = await symlink(versionName, link).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"].includes(error.code ?? "")) return false;
          throw error;
        }
      );
      if (useLinks) {
        crashPoint("out:link-created");
        try {
          await swapInLink(target, link, state, parent, base);
        } catch (error) {
          await unlink(link).catch(() => undefined);
          throw error;
        }
        linked = true;
      }
    }
    if (!useLinks) {
      await swapInFolder(target, versionDir, state, parent, base);
      linked = true;
    }
    crashPoint("out:swapped");
  } catch (error) {
    if (!linked) await rm(versionDir, {recursive: true, force: true});
    throw fsUserError(error, {path: target, role: "output", option, doing: "writing the output"});
  }
  await removeLeftovers(parent, base, spec).catch(() => undefined); // cleaning is best effort: the output is complete
  return result!;
}

/** Moves the new link over the target: one rename, unless an older real folder must first be moved aside. */
async function swapInLink(target: string, link: string, state: TargetState, parent: string, base: string): Promise<void> {
  if (state.kind === "empty-folder") await rmdir(target).catch(ignoreMissing);
  if (state.kind === "folder") await moveAside(target, parent, base);
  await rename(link, target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "EISDIR" || error.code === "ENOTEMPTY" || error.code === "EEXIST") throw changedMeanwhile(target);
    throw error;
  });
}

/** Without links: the new version folder itself becomes the target, after the old one moved aside. */
async function swapInFolder(target: string, versionDir: string, state: TargetState, parent: string, base: string): Promise<void> {
  if (state.kind === "empty-folder") await rmdir(target).catch(ignoreMissing);
  if (state.kind === "link") await unlink(target).catch(ignoreMissing);
  if (state.kind === "folder") await moveAside(target, parent, base);
  await rename(versionDir, target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOTEMPTY" || error.code === "EEXIST" || error.code === "ENOTDIR") throw changedMeanwhile(target);
    throw error;
  });
}

/** Renames an old output folder to a hidden `.NAME.aside-…` name (restored by the next run if we die now). */
async function moveAside(target: string, parent: string, base: string): Promise<void> {
  const aside = join(parent, `.${base}.aside-${process.pid}-${randomBytes(4).toString("hex")}`);
  await rename(target, aside).catch(ignoreMissing); // gone already: another run moved it aside at the same moment
  crashPoint("out:old-moved-aside");
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== "ENOENT") throw error;
}

function changedMeanwhile(target: string): UserError {
  return new UserError("was created or filled by something else while this run wrote its output; nothing was replaced", {
    where: {file: target, option: "--out"},
    fix: "Run again, or choose another --out folder."
  });
}

/** Whether the target may be replaced, and how; a UserError saying why not otherwise. */
async function assessTarget<T>(target: string, spec: OutputSpec<T>, option: string): Promise<TargetState> {
  const refuse = (why: string, fix = `Choose a new ${option} folder, or move this one away first.`) =>
    new UserError(`${why}; refusing to replace it`, {where: {option, file: target}, fix, code: "output-not-ours"});
  const info = await lstat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw fsUserError(error, {path: target, role: "output", option, doing: "looking at it"});
  });
  if (!info) return {kind: "absent"};
  if (info.isSymbolicLink()) {
    const pointsTo = await readlink(target);
    if (!new RegExp(`^${escapeRegExp(`.${basename(target)}.`)}(dschat|aside)-\\d+-[0-9a-f]{8}$`).test(pointsTo)) {
      throw refuse(`is a symbolic link to ${pointsTo}, not one dschat-studio made`);
    }
    const versionDir = join(dirname(target), pointsTo);
    const exists = await lstat(versionDir).then((stats) => stats.isDirectory(), () => false);
    if (!exists) return {kind: "link"}; // a dangling link of ours holds nothing
    const why = await whyNotOurs(versionDir, spec);
    if (why && !(spec.isLegacyOutput && (await spec.isLegacyOutput(versionDir, await readdir(versionDir))))) {
      throw refuse(`is a dschat-studio output that ${why}`, `Move the folder away (or delete it) if you no longer need those changes, or choose another ${option} folder.`);
    }
    return {kind: "link"};
  }
  if (!info.isDirectory()) throw refuse("is a file, not a folder", `Pass a folder path to ${option}.`);
  const names = await readdir(target).catch((error) => {
    throw fsUserError(error, {path: target, role: "output", option, doing: "listing it"});
  });
  if (names.length === 0) return {kind: "empty-folder"};
  if (names.includes(OUTPUT_MARKER)) {
    const why = await whyNotOurs(target, spec);
    if (why) throw refuse(`is a dschat-studio output that ${why}`, `Move the folder away (or delete it) if you no longer need those changes, or choose another ${option} folder.`);
    return {kind: "folder"};
  }
  if (spec.isLegacyOutput && (await spec.isLegacyOutput(target, names))) return {kind: "folder"};
  const shown = names.slice(0, 5).join(", ") + (names.length > 5 ? `, … (${names.length} entries)` : "");
  throw refuse(`already exists and is not a dschat-studio ${spec.kind} output (it holds ${shown})`);
}

interface Marker {
  tool: string;
  kind: string;
  files: Record<string, FileRecord>;
}

async function readMarker(dir: string): Promise<Marker | null> {
  try {
    const marker = JSON.parse(await readFile(join(dir, OUTPUT_MARKER), "utf8")) as Marker;
    if (marker?.tool !== TOOL || typeof marker.kind !== "string" || typeof marker.files !== "object" || marker.files === null) return null;
    return Object.values(marker.files).every(isFileRecord) ? marker : null;
  } catch {
    return null;
  }
}

/**
 * Why a folder is not an unchanged output of this kind (null when it is): the marker must list every entry, each a
 * regular file still the size and content written.
 */
export async function whyNotOurs(dir: string, spec: Pick<OutputSpec<unknown>, "kind">): Promise<string | null> {
  const marker = await readMarker(dir);
  if (!marker) return `has no readable ${OUTPUT_MARKER}`;
  if (marker.kind !== spec.kind) return `is a ${marker.kind} output, not a ${spec.kind} output`;
  const entries = await readdir(dir, {withFileTypes: true});
  const extra = entries.filter((entry) => entry.name !== OUTPUT_MARKER && !(entry.name in marker.files)).map((entry) => entry.name);
  if (extra.length) return `holds ${extra.join(", ")}, which dschat-studio did not write`;
  for (const entry of entries) {
    if (entry.name === OUTPUT_MARKER) continue;
    if (!entry.isFile()) return `has ${entry.name}, which is no longer a regular file`;
  }
  for (const [name, record] of Object.entries(marker.files)) {
    const mismatch = await fileMismatch(join(dir, name), record);
    if (mismatch) return `was changed since it was written: ${name} ${mismatch}`;
  }
  return null;
}

/** Whether an (already verified) output's marker lists exactly `files` with these digests. */
async function holdsExactly(dir: string, files: readonly string[], digests: Readonly<Record<string, string>>): Promise<boolean> {
  const marker = await readMarker(dir);
  if (!marker) return false;
  const names = Object.keys(marker.files);
  return names.length === files.length && files.every((name) => marker.files[name]?.sha256 === digests[name]);
}

async function writeMarker<T>(dir: string, spec: OutputSpec<T>, knownDigests: Readonly<Record<string, string>>): Promise<void> {
  const names = (await readdir(dir)).sort();
  const expected = [...spec.files].sort();
  if (names.length !== expected.length || names.some((name, i) => name !== expected[i])) {
    throw new Error(`Output writer for ${spec.kind} wrote ${names.join(", ")} instead of ${expected.join(", ")} (a bug).`);
  }
  const files: Record<string, FileRecord> = {};
  for (const name of spec.files) files[name] = await recordFile(join(dir, name), knownDigests[name]);
  const marker: Marker = {tool: TOOL, kind: spec.kind, files};
  await writeFile(join(dir, OUTPUT_MARKER), JSON.stringify(marker, null, 2) + "\n");
}

/**
 * Hidden siblings this module names: version folders (`dschat-`), their links (`.link`, `.restore-link`), old outputs
 * moved aside (`aside-`), and an older version's staging and old folders (`tmp-`, `old-`). Each carries its run's pid.
 */
function leftoverPattern(base: string): RegExp {
  return new RegExp(`^${escapeRegExp(`.${base}.`)}(dschat|aside|tmp|old)-(\\d+)-[0-9a-f]{8}(\\.link|\\.restore-link)?$`);
}

/** Whether every entry of a leftover folder is a regular file this kind writes (or the marker): then it is ours to remove. */
async function holdsOnlyOurFiles(dir: string, spec: Pick<OutputSpec<unknown>, "files">): Promise<boolean> {
  const entries = await readdir(dir, {withFileTypes: true}).catch(() => null);
  return entries !== null && entries.every((entry) => entry.isFile() && (entry.name === OUTPUT_MARKER || spec.files.includes(entry.name)));
}

/**
 * Puts back the output a killed run left aside (see recoverMissingOutput); commands call it first thing, so that even a
 * run that then fails (bad input) leaves `target` holding the last complete output. `replaceOutputDir` calls it too.
 */
export async function restoreOutput(target: string, spec: Pick<OutputSpec<unknown>, "kind" | "files" | "isLegacyOutput" | "option">): Promise<void> {
  const option = spec.option ?? "--out";
  // Nothing to do (and nothing written, not even the lock) unless the target is missing and something lies aside.
  if (await lstat(target).then(() => true, () => false)) return;
  const pattern = leftoverPattern(basename(target));
  const names = await readdir(dirname(target)).catch(() => [] as string[]);
  if (!names.some((name) => /^(aside|old)$/.test(pattern.exec(name)?.[1] ?? ""))) return;
  await withOutputLock(target, option, () =>
    recoverMissingOutput(dirname(target), basename(target), spec, true).catch((error) => {
      throw fsUserError(error, {path: target, role: "output", option, doing: "restoring the output a killed run left aside"});
    })
  );
}

/**
 * At the start of a run: when the target is missing but a run that died left a complete output aside (between the two
 * renames of a folder swap), that output is put back, so the path again holds the last complete output.
 */
async function recoverMissingOutput(parent: string, base: string, spec: Pick<OutputSpec<unknown>, "kind" | "files" | "isLegacyOutput">, useLinks: boolean): Promise<void> {
  const target = join(parent, base);
  if (await lstat(target).then(() => true, () => false)) return;
  const pattern = leftoverPattern(base);
  const candidates: Array<{name: string; modified: number}> = [];
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const match = pattern.exec(name);
    // Only old outputs moved aside (ours, or an older version's `.old-`); never a new output that was not swapped in.
    if (!match || match[3] || (match[1] !== "aside" && match[1] !== "old") || !ownerIsGone(Number(match[2]))) continue;
    const dir = join(parent, name);
    const info = await lstat(dir).catch(() => null);
    if (!info?.isDirectory()) continue;
    const complete = (await whyNotOurs(dir, spec)) === null || (spec.isLegacyOutput !== undefined && (await spec.isLegacyOutput(dir, await readdir(dir))));
    if (complete) candidates.push({name, modified: info.mtimeMs});
  }
  const newest = candidates.sort((a, b) => b.modified - a.modified)[0];
  if (!newest) return;
  let name = newest.name;
  if (useLinks) {
    if (!name.startsWith(`.${base}.aside-`)) {
      // An older version's `.old-` folder gets an `aside-` name first (still a candidate if we die right after).
      const renamed = `.${base}.aside-${process.pid}-${randomBytes(4).toString("hex")}`;
      await rename(join(parent, name), join(parent, renamed));
      name = renamed;
    }
    const link = join(parent, `${name}.restore-link`);
    if (await symlink(name, link).then(() => true, () => false)) {
      await rename(link, target);
      return;
    }
  }
  await rename(join(parent, name), target);
}

/**
 * After a successful swap, holding the output's lock: removes every version, link and moved-aside folder but the
 * current one (no other writer is inside its lock, so none of them is being written), and an older version's staging
 * and old folders once their process is gone. Never a folder holding anything but files of this kind.
 */
async function removeLeftovers<T>(parent: string, base: string, spec: OutputSpec<T>): Promise<void> {
  const current = await readlink(join(parent, base)).catch(() => null);
  const pattern = leftoverPattern(base);
  for (const name of await readdir(parent)) {
    const match = pattern.exec(name);
    if (!match || name === current) continue;
    const pid = Number(match[2]);
    // An older version's `.tmp-`/`.old-` folders: that version took no lock, so only a dead run's are safe to remove.
    if ((match[1] === "tmp" || match[1] === "old") && pid !== process.pid && !ownerIsGone(pid)) continue;
    const path = join(parent, name);
    const info = await lstat(path).catch(() => null);
    if (!info) continue;
    if (info.isSymbolicLink()) await unlink(path).catch(() => undefined);
    else if (info.isDirectory() && (await holdsOnlyOurFiles(path, spec))) await rm(path, {recursive: true, force: true});
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
