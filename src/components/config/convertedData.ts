/**
 * A dataset the CLI converted, as the Config page lints it: its train.json and eval.json rows, rebuilt from the cache
 * entry's canonical rows (Arrow) with convert's own train/eval rule (splitTrainEval), identified as `lint <dir>` reads
 * the files (`train.json:<line>`), and its dataset facts for each step's settings (buildDatasetFacts, as lint builds
 * them). No rule is computed here: the lint engine applies them (src/core/report/planReport.ts lintFindings).
 */
import {tableFromIPC} from "npm:apache-arrow";
import type {LocalJsonRow} from "../../core/canonical.js";
import type {DatasetFacts} from "../../core/lint/lintContext.js";
import {buildDatasetFacts} from "../../core/lint/buildDatasetFacts.js";
import {memoizeBySettings, type DatasetSettings} from "../../core/lint/stepDataset.js";
import {splitTrainEval} from "../../core/recipe/localJsonOutput.js";
import type {IdentifiedRow} from "../../core/stats/computeStats.js";
import {fetchConvertedArrow, type ConvertedEntry} from "../datasets/loadSource.js";

export interface ConvertedFiles {
  train: IdentifiedRow[];
  eval: IdentifiedRow[];
}

/** train.json and eval.json of a converted dataset, row for row as `convert` wrote them. */
export async function loadConvertedFiles(entry: ConvertedEntry): Promise<ConvertedFiles> {
  const table = tableFromIPC(await fetchConvertedArrow(entry.key));
  const [prompt, chosen, rejected, inEval] = ["prompt", "chosen", "rejected", "eval"].map((name) => table.getChild(name)!);
  const sided = Array.from({length: table.numRows}, (_, i) => ({
    row: {prompt: prompt.get(i) ?? null, chosen: chosen.get(i) ?? null, rejected: rejected.get(i) ?? null} as LocalJsonRow,
    eval: inEval.get(i) === true
  }));
  const files = splitTrainEval(sided, {splitMethod: entry.manifest.split.method, evalRatio: entry.manifest.options.eval_ratio});
  const identify = (file: string, rows: LocalJsonRow[]) => rows.map((row, k): IdentifiedRow => ({id: `${file}:${k + 1}`, row}));
  return {train: identify("train.json", files.train), eval: identify("eval.json", files.eval)};
}

/** The dataset facts lint reads for given settings (data_split, seed, lengths), built once per distinct settings. */
export function convertedDatasetFacts(entry: ConvertedEntry, files: ConvertedFiles): (settings: DatasetSettings) => DatasetFacts {
  return memoizeBySettings((settings) => buildDatasetFacts({source: entry.label, settings, train: files.train, eval: files.eval, manifest: entry.manifest}));
}
