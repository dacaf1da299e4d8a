import {dirname, resolve} from "node:path";
import {versioned} from "../../src/core/contract/schemaVersions.js";
import {locate, UserError} from "../../src/core/contract/userError.js";
import {parseReasoningMarkers} from "../../src/core/formats/reasoning.js";
import {parseRecipe, type Recipe} from "../../src/core/recipe/recipe.js";
import {convertDataset, DEFAULT_EVAL_RATIO, DEFAULT_SEED, type ConvertOptions, type ConvertSummary} from "../../loaders/engine/convert.js";
import {readJsonFile} from "../../loaders/readJsonFile.js";
import {defineCommand} from "../command.js";
import {option} from "../options/optionSpec.js";
import {decimal, seed, text} from "../options/parsers.js";
import {reasoningOf, reasoningOptions} from "../options/reasoningOptions.js";
import {createProgressBar} from "../views/progress.js";
import {escapeData} from "../views/terminal.js";

/**
 * `convert --json` (schemas/convert.schema.json): the keys scripts read since the first release, plus schema_version,
 * each input file's format, counts and unused columns, and the warnings.
 */
export function convertJson(summary: ConvertSummary) {
  return versioned("convert", {
    format: summary.format,
    rows_read: summary.rowsRead,
    rows_converted: summary.rowsConverted,
    rows_rejected: summary.rowsRejected,
    rows_filtered: summary.rowsFiltered,
    train_rows: summary.trainRows,
    eval_rows: summary.evalRows,
    phase_rows: summary.phaseRows,
    out: summary.out,
    cache_hit: summary.cacheHit,
    inputs: summary.inputs.map((input) => ({
      source: input.source,
      format: input.format,
      chosen_by: input.chosenBy,
      confidence: input.detection && input.detection.format === input.format ? input.detection.confidence : null,
      rows_read: input.read,
      rows_converted: input.converted,
      rows_rejected: input.rejected,
      reasoning_rows: input.reasoningRows,
      unused_columns: input.unusedColumns.map(({name, rows, looksLike}) => ({name, rows, looks_like: looksLike}))
    })),
    warnings: summary.warnings
  });
}

function convertText(summary: ConvertSummary): string {
  const n = (value: number) => value.toLocaleString("en-US");
  const lines = [
    `format      ${summary.format} (${summary.formatTitle})${summary.detection && summary.detection.format === summary.format ? `, confidence ${summary.detection.confidence}` : ""}`,
    ...(summary.inputs.length > 1 || summary.inputs.some((input) => input.unusedColumns.length)
      ? summary.inputs.map(
          (input) =>
            `input       ${input.source}: ${input.format}${input.detection && input.detection.format === input.format ? ` (confidence ${input.detection.confidence})` : ""}, read ${n(input.read)} = converted ${n(input.converted)} + rejected ${n(input.rejected)}` +
            (input.unusedColumns.length ? `; not used: ${input.unusedColumns.map((column) => `${column.name} (${column.looksLike})`).join(", ")}` : "")
        )
      : []),
    `rows        read ${n(summary.rowsRead)} = converted ${n(summary.rowsConverted)} + rejected ${n(summary.rowsRejected)}${summary.rowsFiltered ? ` + filtered out ${n(summary.rowsFiltered)}` : ""}`,
    `split       train ${n(summary.trainRows)}, eval ${n(summary.evalRows)} (${summary.splitMethod === "source" ? "the source's own splits" : "seeded draw"})`,
    `phases      usable rows: step 1 ${n(summary.phaseRows["1"])}, step 2 ${n(summary.phaseRows["2"])}, step 3 ${n(summary.phaseRows["3"])}`,
    `out         ${summary.out}${summary.cacheHit ? " (from cache)" : ""}`
  ];
  if (summary.rowsRejected > 0) lines.push(`rejects     ${summary.out}/rejects.jsonl`);
  return lines.join("\n") + "\n";
}

/** A recipe as convert's options: the format or mapping, filter, reasoning, eval ratio and seed, and the inputs it pins. */
function recipeOptions(recipe: Recipe): Omit<ConvertOptions, "paths"> {
  const [open, close] = parseReasoningMarkers(recipe.reasoning.markers);
  return {
    format: recipe.format,
    map: recipe.map,
    filter: recipe.filter,
    reasoning: {mode: recipe.reasoning.mode, open, close},
    evalRatio: recipe.eval_ratio,
    seed: recipe.seed,
    expectedInputs: recipe.inputs
  };
}

export default defineCommand({
  summary: "Convert datasets into DS-Chat local/jsonfile train.json/eval.json, with manifest and rejects",
  synopsis: "<path...> --out <dir> [options]",
  description: `Converts dataset files or folders into DeepSpeed-Chat local/jsonfile data: <dir>/train.json and <dir>/eval.json
(JSON Lines of {"prompt", "chosen", "rejected"}), rejects.jsonl (rows that could not be mapped, with reasons) and
manifest.json (inputs with sha256, format, counts, options). <dir> is at every instant the old complete output or the
new one (a link to a hidden sibling folder, swapped atomically), and is replaced only when it is empty or an unchanged
earlier convert output.

Inputs: .json (array or JSON Lines), .jsonl/.ndjson, .csv/.tsv, .txt (plain text: one document per line, or per
blank-line-separated block), .parquet, .arrow, any of the text ones gzip-compressed, and folders of them (split names
come from file names: train-00000-of-00002.parquet → train). Each file's format is detected from its own records.
Columns no format reads are named in the manifest and on stderr.

--recipe recipe.json repeats a conversion made on the Datasets page: the same format or mapping, filter, reasoning,
eval ratio and seed, on the files the recipe pins by sha256 (give them as <path...>, or leave them out to use the
recipe's file names next to recipe.json). The train.json and eval.json written equal the page's downloads byte for byte.`,
  options: {
    "out": option({parse: text, placeholder: "DIR", required: true, example: "out/data", help: "output folder (required): a link to a hidden sibling folder, swapped atomically; replaced only if it is empty or an unchanged earlier convert output"}),
    "format": option({parse: text, placeholder: "NAME", help: "use this format instead of detecting it (see 'dschat-studio inspect')"}),
    "map": option({parse: text, placeholder: "K=V,...", help: "map columns yourself, e.g. --map prompt=question,chosen=answers[0],rejected=bad"}),
    "eval-ratio": option({parse: decimal({min: 0, below: 1, example: DEFAULT_EVAL_RATIO}), default: DEFAULT_EVAL_RATIO, placeholder: "R", help: "share of rows drawn into eval.json when the source has no test/validation split"}),
    "seed": option({parse: seed, default: DEFAULT_SEED, placeholder: "N", help: "seed of that draw"}),
    ...reasoningOptions,
    "recipe": option({parse: text, placeholder: "FILE", help: "a recipe.json from the Datasets page: its format or mapping, filter, reasoning, eval ratio and seed, on the files it pins by sha256"})
  },
  positionals: {name: "<path>", min: 0, max: Infinity},
  schema: "convert",
  notes: "Environment: DSCHAT_STUDIO_CACHE sets the cache folder (default data/cache in the project);\nDSCHAT_STUDIO_VERIFY_CACHE=full hashes every cached file before it is served (default: only files whose times changed).",
  async run({values, positionals, given}, io) {
    const base = {out: values.out, cwd: io.cwd, env: io.env};
    let options: ConvertOptions;
    if (values.recipe !== undefined) {
      const clash = (["format", "map", "eval-ratio", "seed", "reasoning", "reasoning-markers"] as const).find((name) => given.has(name));
      if (clash) throw new UserError("cannot be combined with --recipe: the recipe sets it", {where: {option: `--${clash}`}, fix: "Drop the option, or edit the recipe."});
      const path = resolve(io.cwd, values.recipe);
      const recipe = locate({option: "--recipe", file: values.recipe}, () => parseRecipe(readJsonFile(path, {option: "--recipe", what: "a recipe.json downloaded from the Datasets page"})));
      options = {...base, ...recipeOptions(recipe), paths: positionals.length ? positionals : recipe.inputs.map((input) => resolve(dirname(path), input.source))};
    } else {
      if (positionals.length === 0) throw new UserError("no input given", {fix: "Pass at least one file or folder (or --recipe recipe.json)."});
      options = {...base, paths: positionals, format: values.format, map: values.map, evalRatio: values["eval-ratio"], seed: values.seed, reasoning: reasoningOf(values)};
    }
    const progress = createProgressBar(io.stderr);
    let summary: ConvertSummary;
    try {
      summary = await convertDataset(options, {onProgress: progress.update, log: (message) => io.stderr.write(`note: ${escapeData(message)}\n`)});
    } finally {
      progress.finish();
    }
    for (const warning of summary.warnings) io.stderr.write(`warning: ${escapeData(warning)}\n`);
    return {json: convertJson(summary), text: () => convertText(summary)};
  }
});
