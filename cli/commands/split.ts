import {randomBytes} from "node:crypto";
import {rename, unlink, writeFile} from "node:fs/promises";
import {totalmem} from "node:os";
import {join, resolve} from "node:path";
import type {Phase} from "../../src/core/canonical.js";
import {versioned} from "../../src/core/contract/schemaVersions.js";
import {UserError} from "../../src/core/contract/userError.js";
import {datasetNameClean, encodeNpyUint32, getSplitBoundaries, selectPhaseRows, type IndexFile} from "../../src/core/split/index.js";
import {defineCommand} from "../command.js";
import {dschatOption, withEveryDschatArg} from "../options/dschatOptions.js";
import {flag, option} from "../options/optionSpec.js";
import {integer, step, type Parser} from "../options/parsers.js";
import {makeDirectory} from "../../loaders/fs/makeDirectory.js";
import {escapeData} from "../views/terminal.js";

const PHASE_NAMES: Record<Phase, string> = {1: "SFT", 2: "reward model", 3: "PPO"};
const SHOWN_ROWS = 10;

/** DS-Chat's dataset_name_clean: used in index file names, so it must not hold a path separator. */
const datasetName: Parser<string> = (value, option) => {
  if (value && !/[\\/]/.test(value) && value !== "." && value !== "..") return value;
  let hint = "";
  try {
    hint = ` For ${value} that is ${option} ${datasetNameClean(value)}.`;
  } catch (error) {
    if (!(error instanceof UserError)) throw error; // not a built-in: the generic advice below is all we can give
  }
  throw new UserError(`${JSON.stringify(value)} is not a dataset_name_clean`, {where: {option}, fix: `Pass DS-Chat's dataset_name_clean (e.g. Dahoas_rm_static, jsonfile), without "/".${hint}`});
};

/** Writes `bytes` to `dir/name` through a temporary file, so a reader never sees half a file. */
async function writeAtomically(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  const temporary = join(dir, `.${name}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, join(dir, name));
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}

async function writeIndexFiles(dir: string, files: IndexFile[]): Promise<void> {
  try {
    await makeDirectory(dir);
    for (const file of files) await writeAtomically(dir, file.name, encodeNpyUint32(file.indices));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code) throw error;
    throw new UserError(`index files cannot be written (${code}: ${(error as Error).message})`, {where: {option: "--npy", file: dir}, fix: "Pass a writable --npy directory.", cause: error});
  }
}

function summary(label: string, size: number, dataSplit: string, rows: number[]): string {
  const boundaries = getSplitBoundaries(dataSplit, size);
  const shown = rows.slice(0, SHOWN_ROWS).join(", ") + (rows.length > SHOWN_ROWS ? ", …" : "");
  const empty = label === "train" ? " — empty: this phase trains on none of these rows" : " — empty: DS-Chat's evaluation crashes on an empty eval set (UnboundLocalError)";
  return `${label}: ${rows.length} of ${size} rows (data_split boundaries [${boundaries.join(", ")}])${rows.length ? `: ${shown}` : empty}\n`;
}

const rowCount = integer({min: 0, example: 1000});

/**
 * Memory per row of a split, measured: the index arrays (Uint32) of the shuffle and the phase partitions, the selected
 * rows and the printed lists come to ~100 bytes a row (10 million rows: 1.0 GB peak). Rows beyond what half of this
 * machine's memory holds are refused before anything is allocated, naming the limit.
 */
export const SPLIT_BYTES_PER_ROW = 120;

export function maxSplitRows(totalMemory = totalmem()): number {
  return Math.floor(totalMemory / 2 / SPLIT_BYTES_PER_ROW);
}

function checkFitsInMemory(rows: number, option: string): void {
  const limit = maxSplitRows();
  if (rows <= limit) return;
  const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  throw new UserError(
    `${rows} rows need about ${gib(rows * SPLIT_BYTES_PER_ROW)} of memory to split (about ${SPLIT_BYTES_PER_ROW} bytes a row); this machine has ${gib(totalmem())}, so split takes at most ${limit.toLocaleString("en-US")} rows here`,
    {where: {option}, fix: `Pass at most ${limit} rows in all (--size plus --eval-size), or run on a machine with more memory.`, code: "split-too-large"}
  );
}

export default defineCommand({
  summary: "Show (and write as .npy) the exact rows DS-Chat's phase split gives one dataset.",
  synopsis: "--size N --seed S --data_split X --step P [options]",
  description: `Prints the rows DS-Chat's step P uses from one dataset, exactly as its get_raw_dataset_split_index /
create_prompt_dataset pick them (numpy's RandomState shuffle, Python rounding, the same .npy files).`,
  options: withEveryDschatArg({
    size: option({parse: rowCount, placeholder: "N", required: true, example: "1000", help: "rows in the dataset's train split (with --presplit: its only split)"}),
    seed: dschatOption("seed", {required: true, example: "1234", help: 'DS-Chat\'s --seed (steps 1 and 2 default to 1234; "None" is refused: it cannot be reproduced)'}),
    data_split: dschatOption("data_split", {required: true, example: "2,4,4", help: "DS-Chat's --data_split, e.g. 2,4,4"}),
    step: option({parse: step, placeholder: "P", aliases: ["phase"], required: true, example: "1", help: "the DS-Chat step: 1 (SFT), 2 (reward model) or 3 (PPO)"}),
    "eval-size": option({parse: rowCount, placeholder: "M", help: "rows in the dataset's own eval split: also print the step's eval rows"}),
    presplit: flag("the dataset has only a train split (e.g. Dahoas/synthetic-instruct-gptj-pairwise): DS-Chat first cuts it 9:1 into train and eval (train_eval files); --size is that split's rows"),
    name: option({parse: datasetName, default: "jsonfile", placeholder: "NAME", help: "dataset_name_clean used in index file names (jsonfile = local/jsonfile)"}),
    npy: option({parse: (value) => value, placeholder: "DIR", help: "write every .npy index file DS-Chat writes for this call into DIR, byte-identical"})
  }, "it does not change which rows the split takes"),
  positionals: {name: "positional", min: 0, max: 0},
  schema: "split",
  notes: `Every other DS-Chat argument is accepted (so a DS-Chat command line can be pasted) and ignored.
Row numbers are 0-based positions in the dataset's raw train (or eval) split. With --presplit, eval rows are
also rows of the train split. --json prints {"schema_version", "train": [...], "eval": [...]} (eval only with
--eval-size or --presplit).`,
  async run({values}, io) {
    const {size, step: phase, presplit, name, seed, data_split: dataSplit} = values;
    if (presplit && values["eval-size"] !== undefined) {
      throw new UserError("--presplit and --eval-size exclude each other: a pre-split dataset carves its eval rows out of --size", {where: {option: "--eval-size"}, fix: "Pass one of them."});
    }
    const evalSize = values["eval-size"];
    checkFitsInMemory(size + (evalSize ?? 0), evalSize === undefined ? "--size" : "--size/--eval-size");
    const evalKnown = presplit || evalSize !== undefined;
    const selection = selectPhaseRows({
      // Without an eval size, eval is computed over 0 rows and then left out: train does not depend on it.
      datasets: [{name, trainSize: size, evalSize: presplit ? null : evalSize ?? 0}],
      dataSplit,
      phase,
      seed
    });
    const train = selection.train.map((selected) => selected.row);
    const evaluation = selection.eval.map((selected) => selected.row);
    const files = evalKnown ? selection.files : selection.files.filter((file) => file.splitName !== "eval");

    if (values.npy !== undefined) {
      const dir = resolve(io.cwd, values.npy);
      await writeIndexFiles(dir, files);
      io.stderr.write(`wrote ${files.length} index files to ${escapeData(dir)}${evalKnown ? "" : " (eval files skipped: pass --eval-size to write them)"}\n`);
    }
    const text = () => {
      const preSplitTrain = selection.files.find((file) => file.splitName === "train_eval" && file.name.endsWith("_0.npy"));
      const trainSize = preSplitTrain ? preSplitTrain.indices.length : size;
      const lines = [`${name}, seed ${seed}, data_split ${dataSplit}, phase ${phase} (${PHASE_NAMES[phase]})\n`];
      if (presplit) lines.push(`9:1 pre-split of ${size} rows: ${trainSize} train, ${size - trainSize} eval\n`);
      lines.push(summary("train", trainSize, dataSplit, train));
      if (evalKnown) lines.push(summary("eval", presplit ? size - trainSize : evalSize!, dataSplit, evaluation));
      else lines.push("eval: pass --eval-size to see the eval rows (DS-Chat partitions eval with the same data_split)\n");
      return lines.join("");
    };
    return {json: versioned("split", evalKnown ? {train, eval: evaluation} : {train}), text};
  }
});
