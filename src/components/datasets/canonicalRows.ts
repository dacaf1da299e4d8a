/**
 * The canonical table on the page's main thread (an apache-arrow Table with the columns of
 * src/core/recipe/canonicalTable.ts, in conversion order), and the DS-Chat dataset a filter leaves of it: train.json
 * and eval.json rows in file order, with convert's empty-eval rule applied.
 */
import type {LocalJsonRow} from "../../core/canonical.js";
import {splitTrainEval} from "../../core/recipe/localJsonOutput.js";
import type {IdentifiedRow} from "../../core/stats/computeStats.js";

interface ArrowColumns {
  numRows: number;
  getChild(name: string): {toArray(): ArrayLike<unknown>; get(index: number): unknown} | null;
}

export interface CanonicalRows {
  count: number;
  id: string[];
  prompt: Array<string | null>;
  chosen: Array<string | null>;
  rejected: Array<string | null>;
  eval: boolean[];
  promptChars: Int32Array;
  chosenChars: Int32Array;
  rejectedChars: Int32Array;
  /** Row index by id. */
  index: Map<string, number>;
}

function strings(table: ArrowColumns, name: string): Array<string | null> {
  const column = table.getChild(name)!;
  return Array.from({length: table.numRows}, (_, i) => (column.get(i) as string | null) ?? null);
}

/** Lengths as an Int32Array, -1 where the string is null. */
function lengths(table: ArrowColumns, name: string): Int32Array {
  const column = table.getChild(name)!;
  const out = new Int32Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) out[i] = (column.get(i) as number | null) ?? -1;
  return out;
}

export function canonicalRows(table: ArrowColumns): CanonicalRows {
  const id = strings(table, "id") as string[];
  const evalColumn = table.getChild("eval")!;
  return {
    count: table.numRows,
    id,
    prompt: strings(table, "prompt"),
    chosen: strings(table, "chosen"),
    rejected: strings(table, "rejected"),
    eval: Array.from({length: table.numRows}, (_, i) => evalColumn.get(i) === true),
    promptChars: lengths(table, "prompt_chars"),
    chosenChars: lengths(table, "chosen_chars"),
    rejectedChars: lengths(table, "rejected_chars"),
    index: new Map(id.map((value, i) => [value, i]))
  };
}

export function localRow(rows: CanonicalRows, i: number): LocalJsonRow {
  return {prompt: rows.prompt[i], chosen: rows.chosen[i], rejected: rows.rejected[i]};
}

/** Indices of the rows the filter keeps (all when `kept` is null), in conversion order. */
export function keptIndices(rows: CanonicalRows, kept: ReadonlySet<string> | null): Int32Array {
  if (kept === null) return Int32Array.from({length: rows.count}, (_, i) => i);
  const out: number[] = [];
  for (let i = 0; i < rows.count; i++) if (kept.has(rows.id[i])) out.push(i);
  return Int32Array.from(out);
}

export interface KeptDataset {
  /** train.json / eval.json rows, ids as `stats` and `lint` name them (`train.json:12`). */
  train: IdentifiedRow[];
  eval: IdentifiedRow[];
  /** The canonical id of each train/eval row, same order. */
  trainSource: string[];
  evalSource: string[];
  /** The row convert would move to eval.json because the draw left it empty. */
  moved: string | null;
}

/** What DS-Chat will get from the kept rows: convert's train.json and eval.json. */
export function keptDataset(rows: CanonicalRows, indices: Int32Array, {splitMethod, evalRatio}: {splitMethod: "source" | "seeded"; evalRatio: number}): KeptDataset {
  const sided = Array.from(indices, (i) => ({row: i, eval: rows.eval[i]}));
  const {train, eval: evaluation, moved} = splitTrainEval(sided, {splitMethod, evalRatio});
  const identify = (file: string, list: number[]) => list.map((i, k): IdentifiedRow => ({id: `${file}:${k + 1}`, row: localRow(rows, i)}));
  return {
    train: identify("train.json", train),
    eval: identify("eval.json", evaluation),
    trainSource: train.map((i) => rows.id[i]),
    evalSource: evaluation.map((i) => rows.id[i]),
    moved: moved === null ? null : rows.id[moved]
  };
}
