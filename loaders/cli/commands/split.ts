import {randomBytes} from "node:crypto";
import {mkdir, rename, unlink, writeFile} from "node:fs/promises";
import {dirname, join, resolve} from "node:path";
import {parseArgs} from "node:util";
import type {Phase} from "../../../src/core/canonical.js";
import {
  datasetNameClean,
  encodeNpyUint32,
  getSplitBoundaries,
  selectPhaseRows,
  type IndexFile,
  type PhaseSelection
} from "../../../src/core/split/index.js";
import type {CliIO, Command} from "../command.js";
import {CliError, EXIT_OK} from "../errors.js";

const usage = `Usage: dschat-studio split --size N --seed S --data-split X --phase P [options]

Prints the rows DS-Chat's phase P uses from one dataset, exactly as its get_raw_dataset_split_index /
create_prompt_dataset pick them (numpy's RandomState shuffle, Python rounding, the same .npy files).

Required:
  --size N          rows in the dataset's train split (with --presplit: its only split)
  --seed S          DS-Chat's --seed (steps 1 and 2 default to 1234; "None" is refused: it cannot be reproduced)
  --data-split X    DS-Chat's --data_split, e.g. 2,4,4
  --phase P         1 (SFT), 2 (reward model) or 3 (PPO)

Options:
  --eval-size M     rows in the dataset's own eval split: also print the phase's eval rows
  --presplit        the dataset has only a train split (e.g. Dahoas/synthetic-instruct-gptj-pairwise): DS-Chat
                    first cuts it 9:1 into train and eval (train_eval files); --size is that split's rows
  --name NAME       dataset_name_clean used in index file names (default: jsonfile, i.e. local/jsonfile)
  --npy DIR         write every .npy index file DS-Chat writes for this call into DIR, byte-identical
  --json            print {"train": [...], "eval": [...]} (row numbers, DS-Chat's order) on stdout
  -h, --help        show this help

Row numbers are 0-based positions in the dataset's raw train (or eval) split. With --presplit, eval rows are
also rows of the train split. Exit codes: 0 ok, 2 unusable arguments or output directory.`;

const options = {
  size: {type: "string"},
  seed: {type: "string"},
  "data-split": {type: "string"},
  phase: {type: "string"},
  "eval-size": {type: "string"},
  presplit: {type: "boolean", default: false},
  name: {type: "string", default: "jsonfile"},
  npy: {type: "string"},
  json: {type: "boolean", default: false}
} as const;

const PHASE_NAMES: Record<Phase, string> = {1: "SFT", 2: "reward model", 3: "PPO"};
const SHOWN_ROWS = 10;

function required(value: string | undefined, flag: string, example: string): string {
  if (value === undefined) throw new CliError(`--${flag} is required, e.g. --${flag} ${example}. See 'dschat-studio split --help'.`);
  return value;
}

function parseCount(value: string, flag: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new CliError(`--${flag} ${JSON.stringify(value)} is not a whole number of rows: pass e.g. --${flag} 1000.`);
  }
  return Number(value);
}

function parseSeed(value: string): number {
  if (value === "None") {
    throw new CliError(
      "--seed None: DS-Chat then seeds numpy from OS entropy (step 3's default), so the split cannot be reproduced " +
        "and may overlap steps 1 and 2. Pass the same --seed to every step (DS-Chat's default is 1234)."
    );
  }
  if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) {
    throw new CliError(`--seed ${JSON.stringify(value)} is not usable: numpy's RandomState needs an integer from 0 to 4294967295.`);
  }
  return Number(value);
}

function parsePhase(value: string): Phase {
  if (value !== "1" && value !== "2" && value !== "3") {
    throw new CliError(`--phase ${JSON.stringify(value)} does not exist: pass 1 (SFT), 2 (reward model) or 3 (PPO).`);
  }
  return Number(value) as Phase;
}

function parseName(value: string): string {
  if (value && !/[\\/]/.test(value) && value !== "." && value !== "..") return value;
  let hint = "";
  try {
    hint = ` For ${value} that is --name ${datasetNameClean(value)}.`;
  } catch {
    // not a built-in: the generic advice below is all we can give
  }
  throw new CliError(`--name ${JSON.stringify(value)} must be DS-Chat's dataset_name_clean (e.g. Dahoas_rm_static, jsonfile), without "/".${hint}`);
}

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

/** `mkdir -p`, bounded by the path's depth: Node 20's `recursive: true` spins forever on some paths (e.g. under /proc). */
async function makeDirectory(dir: string): Promise<void> {
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

async function writeIndexFiles(dir: string, files: IndexFile[]): Promise<void> {
  try {
    await makeDirectory(dir);
    for (const file of files) await writeAtomically(dir, file.name, encodeNpyUint32(file.indices));
  } catch (error) {
    throw new CliError(`cannot write index files to ${dir}: ${(error as Error).message}. Pass a writable --npy directory.`, {cause: error});
  }
}

/** Writes a long string in pieces, waiting when the stream asks, so millions of rows don't sit in one string. */
async function writeChunked(stream: CliIO["stdout"], pieces: Iterable<string>): Promise<void> {
  for (const piece of pieces) {
    if (!stream.write(piece)) await new Promise<void>((done) => stream.once("drain", () => done()));
  }
}

function* jsonPieces(lists: Array<[string, number[]]>): Generator<string> {
  const CHUNK = 65536;
  yield "{";
  for (const [k, [key, rows]] of lists.entries()) {
    yield `${k ? "," : ""}${JSON.stringify(key)}:[`;
    for (let i = 0; i < rows.length; i += CHUNK) yield (i ? "," : "") + rows.slice(i, i + CHUNK).join(",");
    yield "]";
  }
  yield "}\n";
}

function summary(label: string, size: number, dataSplit: string, rows: number[]): string {
  const boundaries = getSplitBoundaries(dataSplit, size);
  const shown = rows.slice(0, SHOWN_ROWS).join(", ") + (rows.length > SHOWN_ROWS ? ", …" : "");
  const empty = label === "train" ? " — empty: this phase trains on none of these rows" : " — empty: DS-Chat's evaluation crashes on an empty eval set (UnboundLocalError)";
  return `${label}: ${rows.length} of ${size} rows (data_split boundaries [${boundaries.join(", ")}])${rows.length ? `: ${shown}` : empty}\n`;
}

const command: Command = {
  summary: "Show (and write as .npy) the exact rows DS-Chat's phase split gives one dataset.",
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const {values} = parseArgs({args: argv, options, strict: true, allowPositionals: false});
    const size = parseCount(required(values.size, "size", "1000"), "size");
    const seed = parseSeed(required(values.seed, "seed", "1234"));
    const dataSplit = required(values["data-split"], "data-split", "2,4,4");
    const phase = parsePhase(required(values.phase, "phase", "1"));
    const name = parseName(values.name);
    if (values.presplit && values["eval-size"] !== undefined) {
      throw new CliError("--presplit and --eval-size exclude each other: a pre-split dataset carves its eval rows out of --size.");
    }
    const evalSize = values["eval-size"] === undefined ? undefined : parseCount(values["eval-size"], "eval-size");
    const evalKnown = values.presplit || evalSize !== undefined;

    let selection: PhaseSelection;
    try {
      selection = selectPhaseRows({
        // Without an eval size, eval is computed over 0 rows and then left out: train does not depend on it.
        datasets: [{name, trainSize: size, evalSize: values.presplit ? null : evalSize ?? 0}],
        dataSplit,
        phase,
        seed
      });
    } catch (error) {
      throw new CliError((error as Error).message, {cause: error});
    }
    const train = selection.train.map((selected) => selected.row);
    const evaluation = selection.eval.map((selected) => selected.row);
    const files = evalKnown ? selection.files : selection.files.filter((file) => file.splitName !== "eval");

    if (values.npy !== undefined) {
      const dir = resolve(io.cwd, values.npy);
      await writeIndexFiles(dir, files);
      io.stderr.write(`wrote ${files.length} index files to ${dir}${evalKnown ? "" : " (eval files skipped: pass --eval-size to write them)"}\n`);
    }

    if (values.json) {
      await writeChunked(io.stdout, jsonPieces(evalKnown ? [["train", train], ["eval", evaluation]] : [["train", train]]));
      return EXIT_OK;
    }
    const preSplitTrain = selection.files.find((file) => file.splitName === "train_eval" && file.name.endsWith("_0.npy"));
    const trainSize = preSplitTrain ? preSplitTrain.indices.length : size;
    const lines = [`${name}, seed ${seed}, data_split ${dataSplit}, phase ${phase} (${PHASE_NAMES[phase]})\n`];
    if (values.presplit) lines.push(`9:1 pre-split of ${size} rows: ${trainSize} train, ${size - trainSize} eval\n`);
    lines.push(summary("train", trainSize, dataSplit, train));
    if (evalKnown) lines.push(summary("eval", values.presplit ? size - trainSize : evalSize!, dataSplit, evaluation));
    else lines.push("eval: pass --eval-size to see the eval rows (DS-Chat partitions eval with the same data_split)\n");
    io.stdout.write(lines.join(""));
    return EXIT_OK;
  }
};

export default command;
