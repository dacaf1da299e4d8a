/**
 * DS-Chat's own arguments as command-line options, from the one list of them (`src/core/plan/dschatArgs.ts`, every
 * argument of the three main.py scripts). Each is accepted in DS-Chat's spelling (`--max_seq_len`) and in kebab-case
 * (`--max-seq-len`) by every command that takes it, parsed by the rule for its kind; `plan` takes all of them.
 */
import {DSCHAT_INT_MAX} from "../../src/core/plan/argBounds.js";
import {argSpecsByStep, type ArgSpec, type Step1Args, type Step2Args, type Step3Args} from "../../src/core/plan/dschatArgs.js";
import {flag, type OptionSpec} from "./optionSpec.js";
import {choice, dataSplit, decimal, integer, seed, text, type Parser} from "./parsers.js";

/** Every DS-Chat argument once, by its DS-Chat name (the first step's spec where steps differ only in defaults). */
export const dschatArgs: ReadonlyMap<string, ArgSpec> = (() => {
  const args = new Map<string, ArgSpec>();
  for (const specs of Object.values(argSpecsByStep)) for (const spec of specs) if (!args.has(spec.name)) args.set(spec.name, spec);
  return args;
})();

export type DschatArgName = keyof Step1Args | keyof Step2Args | keyof Step3Args;
type ArgValue<N extends DschatArgName> = NonNullable<N extends keyof Step1Args ? Step1Args[N] : N extends keyof Step2Args ? Step2Args[N] : N extends keyof Step3Args ? Step3Args[N] : never>;

/** The parser of one DS-Chat argument: by kind, with the seed's and data_split's own rules. */
function parserFor(spec: ArgSpec): Parser<unknown> {
  if (spec.name === "seed") return seed;
  if (spec.name === "data_split") return dataSplit;
  switch (spec.kind) {
    case "int":
      return integer({min: spec.min, max: DSCHAT_INT_MAX, example: typeof spec.default === "number" ? spec.default : Math.max(spec.min ?? 1, 1)});
    case "float":
      return decimal({min: spec.min, example: typeof spec.default === "number" ? spec.default : 0.1});
    case "choice":
      return choice(spec.choices);
    default:
      return text;
  }
}

const PLACEHOLDERS: Record<ArgSpec["kind"], string> = {int: "N", float: "X", choice: "NAME", string: "TEXT", strings: "TEXT...", bool: ""};

interface DschatOptionSettings<N extends DschatArgName> {
  help: string;
  default?: ArgValue<N>;
  aliases?: string[];
  required?: boolean;
  example?: string;
}

/** One DS-Chat argument as an option of a command, with that command's default, help and whether it is required. */
export function dschatOption<N extends DschatArgName>(name: N, settings: DschatOptionSettings<N> & {required: true; example: string}): OptionSpec<ArgValue<N>> & {required: true};
export function dschatOption<N extends DschatArgName>(name: N, settings: DschatOptionSettings<N> & {default: ArgValue<N>}): OptionSpec<ArgValue<N>> & {default: ArgValue<N>};
export function dschatOption<N extends DschatArgName>(name: N, settings: DschatOptionSettings<N>): OptionSpec<ArgValue<N>>;
export function dschatOption<N extends DschatArgName>(name: N, {help, default: fallback, aliases, required, example}: DschatOptionSettings<N>): OptionSpec<ArgValue<N>> {
  const spec = dschatArgs.get(name);
  if (!spec) throw new RangeError(`${name} is not a DS-Chat argument`);
  // The DS-Chat name is always accepted, also when the command's own name for the option differs (stats' --model).
  aliases = [name, ...(aliases ?? [])];
  if (spec.kind === "bool") return flag(help, {dschat: true, aliases}) as unknown as OptionSpec<ArgValue<N>>;
  return {
    takes: spec.kind === "strings" ? "list" : "value",
    parse: parserFor(spec) as Parser<ArgValue<N>>,
    placeholder: name === "data_split" ? "A,B,C" : PLACEHOLDERS[spec.kind],
    help,
    dschat: true,
    aliases,
    ...(fallback !== undefined && {default: fallback}),
    ...(required && {required, example})
  };
}

/** Every DS-Chat argument, for `plan`: no defaults (the plan has DS-Chat's), listed in the help as one line. */
export function allDschatOptions(): Record<string, OptionSpec> {
  return Object.fromEntries(
    [...dschatArgs.values()].map((spec) => [spec.name, {...dschatOption(spec.name as DschatArgName, {help: "a DS-Chat argument"}), hidden: true}])
  );
}

/**
 * A command's own options plus every other DS-Chat argument, accepted so that a DS-Chat command line can be pasted as
 * is, and marked as ignored (`main` notes each one given on stderr): `reason` says why they do not matter here.
 */
export function withEveryDschatArg<S extends Record<string, OptionSpec>>(own: S, reason: string): S {
  const taken = new Set(Object.entries(own).flatMap(([name, spec]) => [name, ...(spec.aliases ?? [])]));
  const others = Object.entries(allDschatOptions()).filter(([name]) => !taken.has(name));
  return {...Object.fromEntries(others.map(([name, spec]) => [name, {...spec, ignored: reason}])), ...own};
}
