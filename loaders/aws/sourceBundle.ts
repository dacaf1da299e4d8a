/**
 * sourcedir.tar.gz, the code SageMaker's training toolkit unpacks into /opt/ml/code (sagemaker.md §1, §3):
 *   sm_entry.py          the launcher (training/sm_entry.py)
 *   requirements.txt     the curated requirements (training/requirements.txt)
 *   DeepSpeed-Chat/      optional: the user's DS-Chat checkout (--dschat DIR)
 * DS-Chat goes in a subfolder so its setup.py is not at the root: the toolkit would otherwise treat the bundle as a Python
 * package, which torch_distributed refuses. The archive is deterministic (loaders/aws/tar.ts), so its digest names it.
 */
import {createHash} from "node:crypto";
import {existsSync, lstatSync, readdirSync, readFileSync, statSync} from "node:fs";
import {join, relative, resolve, sep} from "node:path";
import {fileURLToPath} from "node:url";
import {UserError} from "../../src/core/contract/userError.js";
import {writeTarGz, type TarEntry} from "./tar.js";

export const DEFAULT_TRAINING_DIR = fileURLToPath(new URL("../../training/", import.meta.url));
export const BUNDLE_DSCHAT_FOLDER = "DeepSpeed-Chat";

/** Parts of a DS-Chat checkout the job never needs; `data/` would also shadow the train channel's link. */
const EXCLUDED_TOP = new Set(["data", "output", "assets", ".git"]);
const EXCLUDED_ANYWHERE = new Set(["__pycache__", ".git", ".ipynb_checkpoints", "training_log_output"]);

export interface SourceBundle {
  bytes: Buffer;
  sha256: string;
  /** Archive paths, sorted. */
  files: string[];
  /** What was left out of the DS-Chat checkout, and why. */
  excluded: string[];
  /** The DS-Chat folder packed, when one was. */
  dschatRoot: string | null;
}

export interface SourceBundleOptions {
  /** The user's DS-Chat checkout: applications/DeepSpeed-Chat, or the DeepSpeedExamples root holding it. */
  dschatDir?: string | null;
  /** Folder with sm_entry.py and requirements.txt; default the repository's training/. */
  trainingDir?: string;
}

/** The DS-Chat root inside DIR (DIR itself or DIR/applications/DeepSpeed-Chat), checked for the files the launcher needs. */
export function resolveDsChatRoot(dir: string): string {
  const candidates = [resolve(dir), resolve(dir, "applications", "DeepSpeed-Chat")];
  const needed = ["dschat/utils/data/data_utils.py", "training/step1_supervised_finetuning/main.py"];
  for (const candidate of candidates) if (needed.every((file) => existsSync(join(candidate, file)))) return candidate;
  throw new UserError(`is not a DeepSpeed-Chat checkout: neither it nor its applications/DeepSpeed-Chat holds ${needed.join(" and ")}`, {
    where: {option: "--dschat", file: dir},
    fix: "Pass the applications/DeepSpeed-Chat folder of a DeepSpeedExamples clone (or the clone itself)."
  });
}

function walk(root: string, excluded: string[]): string[] {
  const files: string[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const rel = relative(root, path).split(sep).join("/");
      const top = !rel.includes("/");
      if (EXCLUDED_ANYWHERE.has(name) || (top && EXCLUDED_TOP.has(name))) {
        excluded.push(`${rel}/ (not needed by the job${name === "data" ? "; the train channel becomes data/" : ""})`);
        continue;
      }
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) {
        excluded.push(`${rel} (symbolic link)`);
        continue;
      }
      if (stat.isDirectory()) visit(path);
      else if (stat.isFile()) {
        if (name.endsWith(".pyc")) continue;
        files.push(rel);
      }
    }
  };
  visit(root);
  return files;
}

export function buildSourceBundle(options: SourceBundleOptions = {}): SourceBundle {
  const trainingDir = options.trainingDir ?? DEFAULT_TRAINING_DIR;
  const entries: TarEntry[] = [];
  for (const name of ["sm_entry.py", "requirements.txt"]) {
    const path = join(trainingDir, name);
    if (!existsSync(path)) throw new Error(`${path} is missing: the launcher must be packed into sourcedir.tar.gz (an incomplete installation)`);
    entries.push({path: name, data: readFileSync(path), mode: name.endsWith(".py") ? 0o755 : 0o644});
  }
  const excluded: string[] = [];
  let dschatRoot: string | null = null;
  if (options.dschatDir) {
    dschatRoot = resolveDsChatRoot(options.dschatDir);
    for (const rel of walk(dschatRoot, excluded)) {
      const path = join(dschatRoot, ...rel.split("/"));
      entries.push({path: `${BUNDLE_DSCHAT_FOLDER}/${rel}`, data: readFileSync(path), mode: statSync(path).mode & 0o111 ? 0o755 : 0o644});
    }
  }
  const bytes = writeTarGz(entries);
  return {
    bytes,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    files: entries.map((e) => e.path).sort(),
    excluded,
    dschatRoot
  };
}
