import {unusedColumnWarning, type Detection, type ReasoningOption, type UnusedColumn} from "../../src/core/formats/index.js";
import {emptyFileTally, type FileTally} from "./convertBatch.js";
import {MIXED_FORMAT, type InputSummary} from "./convertSummary.js";
import type {FileFormat} from "./sampleInputs.js";

export interface InputsDescription {
  format: string;
  formatTitle: string;
  detection: Detection | null;
  inputs: InputSummary[];
  /** In plain words: mixed formats, files whose rows were all rejected, unused columns, reasoning. */
  warnings: string[];
}

/**
 * Each input file's format, counts and unused columns, the conversion's format ("mixed" when the files differ), and
 * the warnings that keep any of it from passing unnoticed: data a user brings must never be dropped without a word.
 */
export function summarizeInputs(formats: readonly FileFormat[], tallies: Readonly<Record<string, FileTally>>, reasoning: ReasoningOption): InputsDescription {
  const inputs: InputSummary[] = formats.map(({file, adapter, detection, chosenBy}) => {
    const tally = tallies[file.source] ?? emptyFileTally();
    const unusedColumns: UnusedColumn[] = Object.entries(tally.unused)
      .map(([name, {rows, looksLike, example}]) => ({name, rows, looksLike, example}))
      .sort((a, b) => b.rows - a.rows || a.name.localeCompare(b.name));
    return {
      source: file.source,
      format: adapter.name,
      formatTitle: adapter.title,
      chosenBy,
      detection,
      read: tally.read,
      converted: tally.converted,
      rejected: tally.rejected,
      reasoningRows: tally.reasoningRows,
      placeholderRows: tally.placeholderRows,
      unusedColumns
    };
  });
  const warnings: string[] = [];
  const named = formats.filter((format) => format.chosenBy !== "no records");
  const names = [...new Set(named.map((format) => format.adapter.name))];
  const mixed = names.length > 1;
  if (mixed) {
    const list = inputs.filter((input) => input.chosenBy !== "no records").map((input) => `${input.source}: ${input.format} (${input.read} rows)`);
    warnings.push(
      `the inputs have different formats, so each file was converted in its own: ${list.join("; ")}. ` +
        "Rows serve the DS-Chat steps their own format allows (a row without a rejected answer serves steps 1 and 3, not step 2); the counts per step are in the manifest"
    );
  }
  for (const input of inputs) {
    if (inputs.length > 1 && input.read > 0 && input.converted === 0) {
      const first = tallies[input.source]?.firstReject;
      warnings.push(`every row of ${input.source} was rejected (${input.read} rows, format ${input.format})${first ? `; the first reason: ${first}` : ""}. See rejects.jsonl`);
    }
    for (const column of input.unusedColumns) warnings.push(unusedColumnWarning(input.source, input.format, column, input.read, input.placeholderRows));
    if (input.reasoningRows) {
      warnings.push(
        reasoning.mode === "drop"
          ? `${input.reasoningRows} rows of ${input.source} have reasoning parts: dropped (--reasoning drop); pass --reasoning inline to keep them before the answer between markers`
          : `${input.reasoningRows} rows of ${input.source} have reasoning parts: kept inline before the answer between ${JSON.stringify(reasoning.open)} and ${JSON.stringify(reasoning.close)}, so the model learns to write them (--reasoning drop removes them)`
      );
    }
  }
  const first = named[0] ?? formats[0];
  if (mixed) {
    return {format: MIXED_FORMAT, formatTitle: `Mixed: ${names.join(", ")}`, detection: null, inputs, warnings};
  }
  return {format: first.adapter.name, formatTitle: first.adapter.title, detection: first.detection, inputs, warnings};
}
