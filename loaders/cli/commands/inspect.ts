import {parseArgs} from "node:util";
import type {Command} from "../command.js";
import {CliError, EXIT_INPUT, EXIT_OK} from "../errors.js";
import {inspectDataset, type InspectReport} from "../../engine/inspect.js";
import {InputError} from "../../engine/inputError.js";

const usage = `Usage: dschat-studio inspect <path...> [--format NAME] [--map k=v,...] [--json]

Shows what 'convert' would do with the inputs, writing nothing: the detected format with its confidence, explanation
and alternatives, the row count, the columns of the sampled records, and the first 3 records, raw and converted into
the DS-Chat strings (prompt, chosen, rejected) that train.json would hold.

Options:
  --format <name>   Use this format instead of detecting it.
  --map <k=v,...>   Map columns yourself, e.g. --map prompt=question,chosen=answers[0]
  --json            Print the report as one JSON object on stdout.

Exit codes: 0 ok; 2 unusable input (unreadable file, no format fits: the message lists the columns and closest formats).`;

const command: Command = {
  summary: "Detect a dataset's format and show its columns, row count and 3 converted examples",
  usage,
  async run(argv, io) {
    const {values, positionals} = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {format: {type: "string"}, map: {type: "string"}, json: {type: "boolean", default: false}}
    });
    if (positionals.length === 0) throw new CliError("no input given. Usage: dschat-studio inspect <path...>");
    let report: InspectReport;
    try {
      report = await inspectDataset({paths: positionals, format: values.format, map: values.map, cwd: io.cwd});
    } catch (error) {
      if (error instanceof InputError) throw new CliError(error.message, {exitCode: EXIT_INPUT, cause: error});
      throw error;
    }
    io.stdout.write(values.json ? JSON.stringify(report, null, 2) + "\n" : renderReport(report));
    return EXIT_OK;
  }
};

function renderReport(report: InspectReport): string {
  const lines: string[] = [];
  for (const input of report.inputs) {
    lines.push(`input       ${input.source}  ${input.kind}${input.gzip ? " (gzip)" : ""}, ${input.bytes.toLocaleString("en-US")} bytes${input.split ? `, split ${input.split}` : ""}`);
  }
  const detection = report.detection;
  lines.push(`format      ${report.format} (${report.formatTitle})${report.chosenBy === "detection" ? "" : `, chosen by ${report.chosenBy}`}`);
  if (detection) {
    lines.push(`detected    ${detection.format}, confidence ${detection.confidence}: ${detection.explanation}`);
    for (const alternative of detection.alternatives) lines.push(`  or        ${alternative.format}, confidence ${alternative.confidence}: ${alternative.explanation}`);
  }
  if (report.rows !== null) lines.push(`rows        ${report.rows.toLocaleString("en-US")}${report.unparsableRows ? ` (${report.unparsableRows} unparsable)` : ""}`);
  lines.push(`columns     ${report.columns.map((column) => `${column.name}: ${column.types.join("|")}${column.present < report.sampleSize ? ` (${column.present}/${report.sampleSize})` : ""}`).join(", ")}`);
  report.examples.forEach((example, index) => {
    lines.push("", `example ${index + 1}: ${example.source} row ${example.row}`);
    lines.push(`  raw       ${clip(JSON.stringify(example.raw), 300)}`);
    if (example.reject !== null) lines.push(`  rejected  ${example.reject}`);
    else {
      lines.push(`  prompt    ${clip(JSON.stringify(example.localJson!.prompt), 300)}`);
      lines.push(`  chosen    ${clip(JSON.stringify(example.localJson!.chosen), 300)}`);
      lines.push(`  rejected  ${clip(JSON.stringify(example.localJson!.rejected), 300)}`);
      lines.push(`  phases    ${example.phases.join(", ") || "none"}`);
    }
  });
  return lines.join("\n") + "\n";
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export default command;
