import {parseArgs} from "node:util";
import type {Command} from "../command.js";
import {CliError, EXIT_INPUT, EXIT_OK} from "../errors.js";
import {convertDataset, DEFAULT_EVAL_RATIO, DEFAULT_SEED, type ConvertSummary} from "../../engine/convert.js";
import {InputError} from "../../engine/inputError.js";
import {createProgressBar} from "../../engine/progress.js";

const usage = `Usage: dschat-studio convert <path...> --out <dir> [options]

Converts dataset files or folders into DeepSpeed-Chat local/jsonfile data: <dir>/train.json and <dir>/eval.json
(JSON Lines of {"prompt", "chosen", "rejected"}), rejects.jsonl (rows that could not be mapped, with reasons) and
manifest.json (inputs with sha256, format, counts, options). The output folder appears complete or not at all.

Inputs: .json (array or JSON Lines), .jsonl/.ndjson, .csv/.tsv, .parquet, .arrow, any of the text ones gzip-compressed,
and folders of them (split names come from file names: train-00000-of-00002.parquet → train).

Options:
  --out <dir>         Output folder (required). Replaced only if it is empty or an earlier convert output.
  --format <name>     Use this format instead of detecting it (see 'dschat-studio inspect').
  --map <k=v,...>     Map columns yourself, e.g. --map prompt=question,chosen=answers[0],rejected=bad
  --eval-ratio <r>    Share of rows drawn into eval.json when the source has no test/validation split (default ${DEFAULT_EVAL_RATIO}).
  --seed <n>          Seed of that draw (default ${DEFAULT_SEED}).
  --json              Print one JSON object with the counts on stdout.

Exit codes: 0 at least one row converted; 2 unusable input or arguments, or no row converted; 1 internal error.
Environment: DSCHAT_STUDIO_CACHE sets the cache folder (default data/cache in the project).`;

/** The stable --json contract other tools script against. */
export function convertSummaryJson(summary: ConvertSummary) {
  return {
    format: summary.format,
    rows_read: summary.rowsRead,
    rows_converted: summary.rowsConverted,
    rows_rejected: summary.rowsRejected,
    train_rows: summary.trainRows,
    eval_rows: summary.evalRows,
    phase_rows: summary.phaseRows,
    out: summary.out,
    cache_hit: summary.cacheHit
  };
}

const command: Command = {
  summary: "Convert datasets into DS-Chat local/jsonfile train.json/eval.json, with manifest and rejects",
  usage,
  async run(argv, io) {
    const {values, positionals} = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        "out": {type: "string"},
        "format": {type: "string"},
        "map": {type: "string"},
        "eval-ratio": {type: "string"},
        "seed": {type: "string"},
        "json": {type: "boolean", default: false}
      }
    });
    if (positionals.length === 0) throw new CliError("no input given. Usage: dschat-studio convert <path...> --out <dir>");
    if (!values.out) throw new CliError("--out <dir> is required: the folder to write train.json and eval.json to.");
    const evalRatio = values["eval-ratio"] === undefined ? DEFAULT_EVAL_RATIO : parseNumber("--eval-ratio", values["eval-ratio"]);
    const seed = values.seed === undefined ? DEFAULT_SEED : parseNumber("--seed", values.seed);
    const progress = createProgressBar(io.stderr);
    let summary: ConvertSummary;
    try {
      summary = await convertDataset(
        {paths: positionals, out: values.out, format: values.format, map: values.map, evalRatio, seed, cwd: io.cwd, env: io.env},
        {onProgress: progress.update}
      );
    } catch (error) {
      if (error instanceof InputError) throw new CliError(error.message, {exitCode: EXIT_INPUT, cause: error});
      throw error;
    } finally {
      progress.finish();
    }
    for (const warning of summary.warnings) io.stderr.write(`warning: ${warning}\n`);
    if (values.json) {
      io.stdout.write(JSON.stringify(convertSummaryJson(summary)) + "\n");
    } else {
      io.stdout.write(renderSummary(summary));
    }
    return EXIT_OK;
  }
};

function parseNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) throw new CliError(`${flag} ${JSON.stringify(text)} is not a number.`);
  return value;
}

function renderSummary(summary: ConvertSummary): string {
  const n = (value: number) => value.toLocaleString("en-US");
  const lines = [
    `format      ${summary.format} (${summary.formatTitle})${summary.detection && summary.detection.format === summary.format ? `, confidence ${summary.detection.confidence}` : ""}`,
    `rows        read ${n(summary.rowsRead)} = converted ${n(summary.rowsConverted)} + rejected ${n(summary.rowsRejected)}`,
    `split       train ${n(summary.trainRows)}, eval ${n(summary.evalRows)} (${summary.splitMethod === "source" ? "the source's own splits" : "seeded draw"})`,
    `phases      usable rows: step 1 ${n(summary.phaseRows["1"])}, step 2 ${n(summary.phaseRows["2"])}, step 3 ${n(summary.phaseRows["3"])}`,
    `out         ${summary.out}${summary.cacheHit ? " (from cache)" : ""}`
  ];
  if (summary.rowsRejected > 0) lines.push(`rejects     ${summary.out}/rejects.jsonl`);
  return lines.join("\n") + "\n";
}

export default command;
