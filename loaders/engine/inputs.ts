import {createHash} from "node:crypto";
import {createReadStream} from "node:fs";
import {readdir, stat} from "node:fs/promises";
import {basename, dirname, relative, resolve, sep} from "node:path";
import {UserError} from "../../src/core/contract/userError.js";
import type {FileKind} from "./readers/recordItem.js";
import {sniffFile} from "./readers/sniffFile.js";
import {splitFromPath} from "../../src/core/records/sourceSplit.js";

export {isEvalSplit, splitFromPath} from "../../src/core/records/sourceSplit.js";

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

const DATA_FILE = /\.(jsonl|ndjson|json|parquet|csv|tsv|arrow)(\.gz)?$/i;
/** Metadata that sits next to data in Hugging Face and LLaMA-Factory folders, and this tool's own side files. */
const NOT_DATA = new Set(["dataset_info.json", "dataset_infos.json", "dataset_dict.json", "state.json", "manifest.json", "rejects.jsonl"]);

/**
 * Expands file and folder arguments into the data files to read, in a stable order: arguments in the order given,
 * files inside a folder sorted by path. Each file is sniffed (kind, gzip) up front, so a bad file fails before any work.
 */
export async function expandInputs(paths: readonly string[], cwd: string): Promise<InputFile[]> {
  if (paths.length === 0) throw new UserError("no input given", {fix: "Pass at least one file or folder."});
  const found: Array<{path: string; fromFolder: string | null}> = [];
  for (const given of paths) {
    const path = resolve(cwd, given);
    const info = await stat(path).catch(() => null);
    if (!info) throw new UserError("does not exist", {where: {file: given}, fix: "Check the path (it is resolved against the current folder)."});
    if (info.isDirectory()) {
      const files = (await listDataFiles(path)).sort();
      if (files.length === 0) {
        throw new UserError("is a folder with no data files", {where: {file: given}, fix: "Pass a folder holding .json, .jsonl, .ndjson, .parquet, .csv, .tsv or .arrow files (optionally .gz)."});
      }
      for (const file of files) found.push({path: file, fromFolder: path});
    } else found.push({path, fromFolder: null});
  }
  const unique = found.filter((entry, index) => found.findIndex((other) => other.path === entry.path) === index);
  let sources = unique.map(({path, fromFolder}) => toPosix(fromFolder ? relative(fromFolder, path) : basename(path)));
  if (new Set(sources).size !== sources.length) sources = unique.map(({path}) => toPosix(relative(cwd, path)));
  const inputs: InputFile[] = [];
  for (let i = 0; i < unique.length; i++) {
    const {path} = unique[i];
    const source = sources[i];
    const bytes = (await stat(path)).size;
    const {kind, gzip} = await sniffFile(path, source);
    inputs.push({path, source, split: splitFromPath(toPosix(relative(dirname(unique[i].fromFolder ?? dirname(path)), path))), bytes, kind, gzip});
  }
  return inputs;
}

async function listDataFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, {withFileTypes: true});
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const path = resolve(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await listDataFiles(path)));
    else if (entry.isFile() && DATA_FILE.test(entry.name) && !NOT_DATA.has(entry.name.toLowerCase())) files.push(path);
  }
  return files;
}

/** sha256 of a file's bytes as stored (compressed files are hashed compressed). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, {highWaterMark: 1 << 20})) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}
