/**
 * The pins of what `convert` writes: a sha256 of train.json, eval.json and rejects.jsonl for every dataset fixture,
 * recorded with FORMATS_VERSION and ENGINE_VERSION (the cache keys). test/loaders/output-pins.test.ts fails when an
 * output changes while both versions stay the same, since a user's cache would then keep serving the old output;
 * test/vectors/pin-outputs.ts rewrites the pins, and refuses to unless a version was bumped.
 */
import {createHash} from "node:crypto";
import {mkdtempSync, readdirSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, relative} from "node:path";
import {fileURLToPath} from "node:url";
import {UserError} from "../../src/core/contract/userError.js";
import {FORMATS_VERSION} from "../../src/core/formats/index.js";
import {ENGINE_VERSION} from "../../loaders/engine/cache.js";
import {convertDataset} from "../../loaders/engine/convert.js";

export const PINS_FILE = fileURLToPath(new URL("../vectors/converted-outputs.json", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FIXTURES = join(ROOT, "test", "fixtures");
/** Not datasets: a tokenizer's files, DS-Chat's logs and its scripts' arguments, a dataset registry. */
const NOT_DATASETS = ["deepspeed-gpt2-tokenizer", "deepspeed-chat-logs", "dschat-training-scripts", "llama-factory/dataset_info.json"];
const DATA_FILE = /\.(jsonl|json|csv|tsv|txt|parquet|arrow)(\.gz)?$/;

export interface Pins {
  formats_version: string;
  engine_version: string;
  /** By input (a fixture file or folder, with the forced format after "#"): the outputs' sha256, or the UserError code when it is not convertible. */
  outputs: Record<string, string>;
}

/** Every dataset fixture; the DS-Chat built-ins' rows are converted with their own adapter, so every adapter is pinned. */
export function pinnedInputs(): Array<{input: string; format: string | null}> {
  const vectors = JSON.parse(readFileSync(join(ROOT, "test", "vectors", "dschat-templates.json"), "utf8")) as {datasets: Array<{format: string; fixture: string}>};
  const inputs: Array<{input: string; format: string | null}> = vectors.datasets.map(({format, fixture}) => ({input: `test/fixtures/${fixture}`, format}));
  const walk = (dir: string): string[] =>
    readdirSync(dir, {withFileTypes: true}).flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : DATA_FILE.test(entry.name) ? [join(dir, entry.name)] : []));
  for (const file of walk(FIXTURES).sort()) {
    const path = relative(ROOT, file);
    if (NOT_DATASETS.some((skip) => path.includes(skip)) || path.startsWith("test/fixtures/converted/")) continue;
    inputs.push({input: path, format: null});
  }
  // Converted local/jsonfile folders are inputs too (train.json + eval.json, the split from the file names).
  for (const folder of readdirSync(join(FIXTURES, "converted"), {withFileTypes: true}).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort()) {
    inputs.push({input: `test/fixtures/converted/${folder}`, format: null});
  }
  return inputs;
}

export async function currentPins(): Promise<Pins> {
  const work = mkdtempSync(join(tmpdir(), "dschat-pins-"));
  const outputs: Record<string, string> = {};
  try {
    for (const [i, {input, format}] of pinnedInputs().entries()) {
      const key = format ? `${input}#${format}` : input;
      const out = join(work, `out-${i}`);
      try {
        await convertDataset({paths: [input], out, format, cwd: ROOT, env: {DSCHAT_STUDIO_CACHE: join(work, "cache")}, workers: false});
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        outputs[key] = `unusable: ${error.code ?? "user-error"}`;
        continue;
      }
      const hash = createHash("sha256");
      for (const name of ["train.json", "eval.json", "rejects.jsonl"]) hash.update(`${name}\0`).update(readFileSync(join(out, name))).update("\0");
      outputs[key] = hash.digest("hex");
    }
  } finally {
    rmSync(work, {recursive: true, force: true});
  }
  return {formats_version: FORMATS_VERSION, engine_version: ENGINE_VERSION, outputs};
}

export function committedPins(): Pins {
  return JSON.parse(readFileSync(PINS_FILE, "utf8")) as Pins;
}

/** The inputs whose output differs between two sets of pins. */
export function changedOutputs(before: Pins, after: Pins): string[] {
  const keys = new Set([...Object.keys(before.outputs), ...Object.keys(after.outputs)]);
  return [...keys].filter((key) => before.outputs[key] !== after.outputs[key]).sort();
}
