/** The options part of a command's `--help`, generated from its specs so the help always matches what is accepted. */
import {displayNames, type OptionSpecs} from "./optionSpec.js";

const COLUMN = 30;
const WIDTH = 118;

/** Breaks `text` into lines of at most WIDTH characters, every line after the first indented to the help column. */
function wrap(text: string, first: number): string {
  const lines: string[] = [];
  let line = "";
  let room = WIDTH - first;
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = WIDTH - COLUMN;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${" ".repeat(COLUMN)}`);
}

export function optionsHelp(specs: OptionSpecs): string {
  const lines: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.hidden) continue;
    const head = `  ${displayNames(name, spec).join(", ")}${spec.placeholder ? ` ${spec.placeholder}` : ""}`;
    const fallback = spec.default === undefined || spec.default === false ? "" : ` (default ${Array.isArray(spec.default) ? spec.default.join(" ") : spec.default})`;
    const help = `${spec.help}${fallback}`;
    lines.push(head.length < COLUMN ? `${head.padEnd(COLUMN)}${wrap(help, COLUMN)}` : `${head}\n${" ".repeat(COLUMN)}${wrap(help, COLUMN)}`);
  }
  return lines.join("\n");
}
