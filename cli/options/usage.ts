/** The options part of a command's `--help`, generated from its specs so the help always matches what is accepted. */
import {displayNames, type OptionSpecs} from "./optionSpec.js";

const COLUMN = 30;

export function optionsHelp(specs: OptionSpecs): string {
  const lines: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.hidden) continue;
    const head = `  ${displayNames(name, spec).join(", ")}${spec.placeholder ? ` ${spec.placeholder}` : ""}`;
    const fallback = spec.default === undefined || spec.default === false ? "" : ` (default ${Array.isArray(spec.default) ? spec.default.join(" ") : spec.default})`;
    const help = `${spec.help}${fallback}`;
    lines.push(head.length < COLUMN ? `${head.padEnd(COLUMN)}${help}` : `${head}\n${" ".repeat(COLUMN)}${help}`);
  }
  return lines.join("\n");
}
