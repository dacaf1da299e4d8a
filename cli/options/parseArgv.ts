/**
 * Reads a command line against a command's option specs: `--name value`, `--name=value`, flags, DS-Chat's list
 * arguments (`--data_path a b`), positionals and `--`. Every value goes through its option's parser here, so a command
 * starts only with valid arguments and before any file is read. An unknown option names the closest known one.
 */
import {closestName} from "../../src/core/contract/suggest.js";
import {UserError} from "../../src/core/contract/userError.js";
import {spellings, type OptionSpecs, type OptionValues} from "./optionSpec.js";

export interface PositionalSpec {
  /** As the usage names it, e.g. "<path...>". */
  name: string;
  min: number;
  max: number;
}

export interface ParsedArgs<S extends OptionSpecs> {
  values: OptionValues<S>;
  positionals: string[];
  /** The options the command line gave (by their spec name), defaults aside. */
  given: ReadonlySet<keyof S & string>;
}

export function parseArgv<S extends OptionSpecs>(argv: readonly string[], specs: S, positional: PositionalSpec, command: string): ParsedArgs<S> {
  const byName = new Map<string, keyof S & string>();
  for (const [name, spec] of Object.entries(specs)) for (const spelling of spellings(name, spec)) byName.set(spelling, name);
  const help = `See 'dschat-studio ${command} --help'.`;
  const values: Record<string, unknown> = {};
  const given = new Set<keyof S & string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!token.startsWith("-") || token === "-") {
      positionals.push(token);
      continue;
    }
    const equals = token.indexOf("=");
    const typed = equals > 0 ? token.slice(0, equals) : token;
    const name = typed.startsWith("--") ? byName.get(typed.slice(2)) : undefined;
    if (name === undefined) {
      const closest = typed.startsWith("--") ? closestName(typed.slice(2), byName.keys()) : null;
      const suggestion = closest === null ? "" : `Did you mean --${typed.includes("_") ? closest.replaceAll("-", "_") : closest.replaceAll("_", "-")}? `;
      throw new UserError("unknown option", {where: {option: typed}, fix: `${suggestion}${help}`, code: "unknown-option"});
    }
    const spec = specs[name];
    given.add(name);
    if (spec.takes === "flag") {
      if (equals > 0) throw new UserError("takes no value", {where: {option: typed}, fix: `Write ${typed} alone. ${help}`});
      values[name] = true;
      continue;
    }
    const texts: string[] = [];
    if (equals > 0) texts.push(token.slice(equals + 1));
    else if (spec.takes === "list") while (i + 1 < argv.length && !argv[i + 1].startsWith("-")) texts.push(argv[++i]);
    else if (i + 1 < argv.length) texts.push(argv[++i]);
    if (texts.length === 0) throw new UserError("needs a value", {where: {option: typed}, fix: `Write ${typed} ${spec.placeholder}. ${help}`});
    const parsed = texts.map((text) => spec.parse(text, typed));
    values[name] = spec.takes === "list" ? [...((values[name] as unknown[] | undefined) ?? []), ...parsed] : parsed[0];
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (name in values) continue;
    if (spec.required) throw new UserError("is required", {where: {option: `--${name}`}, fix: `Pass e.g. --${name} ${spec.example}. ${help}`, code: "missing-option"});
    if (spec.default !== undefined) values[name] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  if (positionals.length < positional.min || positionals.length > positional.max) {
    const count = positional.min === positional.max ? `${positional.min}` : positional.max === Infinity ? `at least ${positional.min}` : `${positional.min} to ${positional.max}`;
    throw new UserError(`expects ${count} ${positional.name} argument${positional.max === 1 ? "" : "s"}, got ${positionals.length}${positionals.length ? ` (${positionals.join(" ")})` : ""}`, {fix: help});
  }
  return {values: values as OptionValues<S>, positionals, given};
}
