/**
 * The bytes of DS-Chat's `local/jsonfile` files: one `{"prompt", "chosen", "rejected"}` object per line, all three keys
 * always present, and the rule that keeps eval.json from being empty. The engine streams these lines to disk; the
 * Datasets page builds the same files in the browser, so a download equals `convert --recipe` byte for byte.
 * Isomorphic: no Node or DOM imports.
 */
import type {CanonicalRow, LocalJsonRow} from "../canonical.js";
import {describeLoneSurrogate, loneSurrogateAt} from "../contract/unicode.js";

/**
 * Why a converted row's text cannot be written (null when it can): a lone surrogate in any of its strings, which
 * DuckDB refuses and DS-Chat's tokenizer cannot encode. Such a row is a reject, in `convert` and on the Datasets page.
 */
export function invalidText(row: CanonicalRow, local: LocalJsonRow): string | null {
  for (const field of ["prompt", "chosen", "rejected"] as const) {
    const text = local[field];
    const at = text === null ? -1 : loneSurrogateAt(text);
    if (at !== -1) return `${field} holds ${describeLoneSurrogate(text!, at)}, which is not Unicode text (DuckDB refuses it and a tokenizer cannot encode it)`;
  }
  for (const [index, turn] of row.conversation.entries()) {
    for (const text of [turn.content, turn.name ?? ""]) {
      const at = loneSurrogateAt(text);
      if (at !== -1) return `turn ${index + 1} (${turn.role}) holds ${describeLoneSurrogate(text, at)}, which is not Unicode text (DuckDB refuses it and a tokenizer cannot encode it)`;
    }
  }
  return null;
}

/** One line of train.json / eval.json, without its newline. */
export function localJsonLine(row: LocalJsonRow): string {
  return JSON.stringify({prompt: row.prompt, chosen: row.chosen, rejected: row.rejected});
}

/**
 * DS-Chat's evaluation crashes on an empty eval set: when the seeded draw picked no row (and there is a row to spare),
 * the last train row moves to eval.json.
 */
export function movesLastTrainRowToEval({splitMethod, evalRatio, trainRows, evalRows}: {splitMethod: "source" | "seeded"; evalRatio: number; trainRows: number; evalRows: number}): boolean {
  return splitMethod === "seeded" && evalRatio > 0 && evalRows === 0 && trainRows >= 2;
}

export interface SidedRow<T> {
  row: T;
  eval: boolean;
}

/** Rows in conversion order, each with its side, into train and eval after the empty-eval rule; `moved` is the row moved, if any. */
export function splitTrainEval<T>(rows: readonly SidedRow<T>[], options: {splitMethod: "source" | "seeded"; evalRatio: number}): {train: T[]; eval: T[]; moved: T | null} {
  const train: T[] = [];
  const evaluation: T[] = [];
  for (const {row, eval: inEval} of rows) (inEval ? evaluation : train).push(row);
  if (!movesLastTrainRowToEval({...options, trainRows: train.length, evalRows: evaluation.length})) return {train, eval: evaluation, moved: null};
  const moved = train.pop()!;
  evaluation.push(moved);
  return {train, eval: evaluation, moved};
}

/** train.json or eval.json as text. */
export function localJsonText(rows: readonly LocalJsonRow[]): string {
  let text = "";
  for (const row of rows) text += localJsonLine(row) + "\n";
  return text;
}
