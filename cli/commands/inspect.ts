import {versioned} from "../../src/core/contract/schemaVersions.js";
import {manifestDetection as detectionJson} from "../../loaders/engine/buildManifest.js";
import {inspectDataset, type InspectReport} from "../../loaders/engine/inspect.js";
import {defineCommand} from "../command.js";
import {option} from "../options/optionSpec.js";
import {text} from "../options/parsers.js";
import {reasoningOf, reasoningOptions} from "../options/reasoningOptions.js";
import {boundedJson} from "../../src/core/contract/boundedJson.js";
import {escapeData} from "../views/terminal.js";

/** `inspect --json` (schemas/inspect.schema.json). `raw` is the record as read: its keys are the dataset's, not ours. */
export function inspectJson(report: InspectReport) {
  return versioned("inspect", {
    inputs: report.inputs.map(({source, kind, gzip, bytes, split, format, chosenBy, detection, unusedColumns}) => ({
      source,
      kind,
      gzip,
      bytes,
      split,
      format,
      chosen_by: chosenBy,
      detection: detectionJson(detection),
      unused_columns: unusedColumns.map(({name, present, looksLike}) => ({name, present, looks_like: looksLike}))
    })),
    format: report.format,
    format_title: report.formatTitle,
    chosen_by: report.chosenBy,
    detection: detectionJson(report.detection),
    rows: report.rows,
    unparsable_rows: report.unparsableRows,
    sample_size: report.sampleSize,
    columns: report.columns.map(({name, present, types}) => ({name, present, types})),
    examples: report.examples.map((example) => ({
      source: example.source,
      row: example.row,
      raw: example.raw,
      local_json: example.localJson,
      dschat: example.dschat && {
        prompt: example.dschat.prompt,
        chosen: example.dschat.chosen,
        rejected: example.dschat.rejected,
        prompt_and_chosen: example.dschat.promptAndChosen,
        prompt_and_rejected: example.dschat.promptAndRejected
      },
      phases: example.phases,
      reject: example.reject
    }))
  });
}

/** The human view; every string from the data (file names, keys, values) is escaped for the terminal. */
function inspectText(report: InspectReport): string {
  const lines: string[] = [];
  for (const input of report.inputs) {
    lines.push(`input       ${escapeData(input.source)}  ${input.kind}${input.gzip ? " (gzip)" : ""}, ${input.bytes.toLocaleString("en-US")} bytes${input.split ? `, split ${input.split}` : ""}, format ${escapeData(input.format)}`);
    if (input.unusedColumns.length) lines.push(`  not used  ${input.unusedColumns.map((column) => `${escapeData(column.name)} (${column.looksLike}, ${column.present} sampled records)`).join(", ")}`);
  }
  const detection = report.detection;
  lines.push(`format      ${report.format} (${report.formatTitle})${report.chosenBy === "detection" ? "" : `, chosen by ${report.chosenBy}`}`);
  if (detection) {
    lines.push(`detected    ${detection.format}, confidence ${detection.confidence}: ${escapeData(detection.explanation)}`);
    for (const alternative of detection.alternatives) lines.push(`  or        ${alternative.format}, confidence ${alternative.confidence}: ${escapeData(alternative.explanation)}`);
  }
  if (report.rows !== null) lines.push(`rows        ${report.rows.toLocaleString("en-US")}${report.unparsableRows ? ` (${report.unparsableRows} unparsable)` : ""}`);
  lines.push(`columns     ${report.columns.map((column) => `${escapeData(column.name)}: ${column.types.join("|")}${column.present < report.sampleSize ? ` (${column.present}/${report.sampleSize})` : ""}`).join(", ")}`);
  report.examples.forEach((example, index) => {
    lines.push("", `example ${index + 1}: ${escapeData(example.source)} row ${example.row}`);
    lines.push(`  raw       ${shown(example.raw)}`);
    if (example.reject !== null) lines.push(`  rejected  ${escapeData(example.reject)}`);
    else {
      lines.push(`  prompt    ${shown(example.localJson!.prompt)}`);
      lines.push(`  chosen    ${shown(example.localJson!.chosen)}`);
      lines.push(`  rejected  ${shown(example.localJson!.rejected)}`);
      lines.push(`  phases    ${example.phases.join(", ") || "none"}`);
    }
  });
  return lines.join("\n") + "\n";
}

/** A value as JSON, at most 300 characters, safe on a terminal. */
function shown(value: unknown): string {
  return escapeData(boundedJson(value, 300));
}

export default defineCommand({
  summary: "Detect a dataset's format and show its columns, row count and 3 converted examples",
  synopsis: "<path...> [--format NAME] [--map k=v,...] [--json]",
  description: `Shows what 'convert' would do with the inputs, writing nothing: the detected format with its confidence, explanation
and alternatives, the row count, the columns of the sampled records, and the first 3 records, raw and converted into
the DS-Chat strings (prompt, chosen, rejected) that train.json would hold.`,
  options: {
    format: option({parse: text, placeholder: "NAME", help: "use this format instead of detecting it"}),
    map: option({parse: text, placeholder: "K=V,...", help: "map columns yourself, e.g. --map prompt=question,chosen=answers[0]"}),
    ...reasoningOptions
  },
  positionals: {name: "<path>", min: 1, max: Infinity},
  schema: "inspect",
  async run({values, positionals}, io) {
    const report = await inspectDataset({paths: positionals, format: values.format, map: values.map, reasoning: reasoningOf(values), cwd: io.cwd});
    return {json: inspectJson(report), text: () => inspectText(report)};
  }
});
