import {readdir, realpath, stat} from "node:fs/promises";
import type {Stats} from "node:fs";
import {basename, dirname, join, relative, resolve, sep} from "node:path";
import {UserError} from "../../src/core/contract/userError.js";
import {fsUserError} from "../fs/fsErrors.js";
import {notRegularFileError, specialFileKind} from "../fs/regularFile.js";
import type {FileKind} from "./readers/recordItem.js";
import {sniffFile} from "./readers/sniffFile.js";
import {splitFromPath} from "../../src/core/records/sourceSplit.js";

export {isEvalSplit, splitFromPath} from "../../src/core/records/sourceSplit.js";

export {sha256File} from "../fs/fileDigest.js";

export interface InputFile {
  /** Absolute path. */
  path: string;
  /** Name used in ids, rejects and the manifest: the file name, or the path inside a folder argument. */
  source: string;
  /** Split taken from the file name or its folder (`train-00000-of-00002.parquet` → "train"), else null. */
  split: string | null;
  bytes: number;
  kind: FileKind;
  gzip: boolean;
}

export interface ExpandOptions {
  /** A folder this run writes (`--out`): left out of folder arguments (with a note), refused as an explicit input. */
  output?: string | null;
  /** Receives what the user should know about the inputs chosen (folders left out, links read once). */
  notes?: string[];
}

const DATA_FILE = /\.(jsonl|ndjson|json|parquet|csv|tsv|txt|arrow)(\.gz)?$/i;
/** Text files that sit beside data in a dataset folder and are not a corpus. */
const NOT_TEXT_DATA = /^(readme|license|licence|notice|citation|authors|changelog|requirements)([._-].*)?\.txt$/i;
/** Metadata that sits next to data in Hugging Face and LLaMA-Factory folders, and this tool's own side files. */
const NOT_DATA = new Set(["dataset_info.json", "dataset_infos.json", "dataset_dict.json", "state.json", "manifest.json", "rejects.jsonl"]);

interface Found {
  path: string;
  /** The file behind any symbolic links: the same file reached twice is read once. */
  real: string;
  fromFolder: string | null;
  /** How messages name it: as given, or the folder argument's name and the path inside it. */
  shown: string;
}

/**
 * Expands file and folder arguments into the data files to read, in a stable order: arguments in the order given,
 * files inside a folder sorted by path. Symbolic links are followed (Hugging Face snapshot folders are links into a
 * blob store), each folder once, so a link back to a parent is no loop. Only regular files are read: a pipe, a device
 * or a socket is refused at once. Each file is sniffed (kind, gzip) up front, so a bad file fails before any work.
 */
export async function expandInputs(paths: readonly string[], cwd: string, {output = null, notes = []}: ExpandOptions = {}): Promise<InputFile[]> {
  if (paths.length === 0) throw new UserError("no input given", {fix: "Pass at least one file or folder."});
  const excluded = output ? await sameAndReal(output) : [];
  const found: Found[] = [];
  for (const given of paths) {
    const path = resolve(cwd, given);
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") throw new UserError("does not exist", {where: {file: given}, fix: "Check the path (it is resolved against the current folder)."});
      throw fsUserError(error, {path: given, role: "input", doing: "reading"});
    });
    const kind = specialFileKind(info);
    if (kind && !info.isDirectory()) throw notRegularFileError(path, kind, {shown: given, what: "a dataset file"});
    const real = await realpath(path).catch(() => path);
    if (excluded.some((out) => isInside(path, out) || isInside(real, out))) {
      throw new UserError(`is inside --out ${output}, the folder this run replaces`, {where: {file: given}, fix: "Copy the data out of the output folder first, or write to another --out."});
    }
    if (info.isDirectory()) {
      const files: Found[] = [];
      await listDataFiles(path, path, new Set([real]), excluded, files, notes);
      if (files.length === 0) {
        throw new UserError("is a folder with no data files", {where: {file: given}, fix: "Pass a folder holding .json, .jsonl, .ndjson, .parquet, .csv, .tsv, .txt or .arrow files (optionally .gz)."});
      }
      found.push(...files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
    } else found.push({path, real, fromFolder: null, shown: given});
  }
  const unique: Found[] = [];
  for (const entry of found) {
    const first = unique.find((other) => other.real === entry.real);
    if (!first) unique.push(entry);
    else if (first.path !== entry.path) notes.push(`${entry.shown} is the same file as ${first.shown} (a link); it is read once`);
  }
  let sources = unique.map(({path, fromFolder}) => toPosix(fromFolder ? relative(fromFolder, path) : basename(path)));
  if (new Set(sources).size !== sources.length) sources = unique.map(({path}) => toPosix(relative(cwd, path)));
  const inputs: InputFile[] = [];
  for (let i = 0; i < unique.length; i++) {
    const {path} = unique[i];
    const source = sources[i];
    const {kind, gzip} = await sniffFile(path, source);
    const bytes = (await stat(path)).size;
    inputs.push({path, source, split: splitFromPath(toPosix(relative(dirname(unique[i].fromFolder ?? dirname(path)), path))), bytes, kind, gzip});
  }
  return inputs;
}

/** A path and the path behind its links (when it exists), to compare other paths against both. */
async function sameAndReal(path: string): Promise<string[]> {
  const real = await realpath(path).catch(() => null);
  return real && real !== path ? [path, real] : [path];
}

function isInside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

async function listDataFiles(folder: string, argument: string, seen: Set<string>, excluded: string[], files: Found[], notes: string[]): Promise<void> {
  const entries = await readdir(folder, {withFileTypes: true}).catch((error) => {
    throw fsUserError(error, {path: folder, role: "input", doing: "listing the folder"});
  });
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const path = join(folder, entry.name);
    const shown = toPosix(relative(dirname(argument), path));
    if (excluded.includes(path)) {
      notes.push(`left out ${shown}: it is the --out folder of this run (its train.json would be read back as input)`);
      continue;
    }
    let info: Stats | null = null;
    if (entry.isSymbolicLink()) {
      info = await stat(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") throw new UserError("is a broken symbolic link (what it points to does not exist)", {where: {file: shown}, fix: "Fix the link (or download the file it points to again), or remove it."});
        throw fsUserError(error, {path: shown, role: "input", doing: "following the link"});
      });
    }
    const isDirectory = info ? info.isDirectory() : entry.isDirectory();
    if (isDirectory) {
      const real = await realpath(path);
      if (excluded.includes(real)) {
        notes.push(`left out ${shown}: it is the --out folder of this run (its train.json would be read back as input)`);
        continue;
      }
      if (seen.has(real)) {
        notes.push(`left out ${shown}: a link to a folder already read (${real})`);
        continue;
      }
      seen.add(real);
      await listDataFiles(path, argument, seen, excluded, files, notes);
      continue;
    }
    if (!DATA_FILE.test(entry.name) || NOT_DATA.has(entry.name.toLowerCase()) || NOT_TEXT_DATA.test(entry.name)) continue;
    const isFile = info ? info.isFile() : entry.isFile();
    if (!isFile) {
      const kind = specialFileKind(info ?? (await stat(path)));
      throw notRegularFileError(path, kind ?? "not a regular file", {shown, what: "a dataset file"});
    }
    files.push({path, real: await realpath(path), fromFolder: argument, shown});
  }
}

function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}
