/**
 * How a command declares its options: a record of name → spec, built with `option`, `flag` and (for DS-Chat's own
 * arguments) `dschatOption`. `parseArgv` reads the command line against it; `optionsHelp` prints it. Every option is
 * accepted with "-" or "_" between words (`--eval-ratio`, `--eval_ratio`), so DS-Chat's spelling and kebab-case both work.
 */
import type {Parser} from "./parsers.js";

export interface OptionSpec<T = unknown> {
  /** "flag": no value; "value": one value; "list": DS-Chat's nargs="*" (`--data_path a b`), or the flag repeated. */
  takes: "flag" | "value" | "list";
  parse: Parser<T>;
  default?: T;
  /** The value's name in the help, e.g. "N", "A,B,C". */
  placeholder: string;
  help: string;
  /** More names for the same option, e.g. split's --phase for --step. */
  aliases?: readonly string[];
  /** A DS-Chat argument: the help shows its DS-Chat spelling first. */
  dschat?: boolean;
  /** Accepted but not listed one by one in the help (plan's ~90 DS-Chat arguments). */
  hidden?: boolean;
  /** The command cannot run without it: parseArgv refuses the command line, naming it. */
  required?: boolean;
  /** An example value for the "is required" message. */
  example?: string;
  /** Accepted but without effect on this command, for this reason: `main` says so on stderr when it is given. */
  ignored?: string;
}

export type OptionSpecs = Record<string, OptionSpec<any>>;

/** The parsed value of each option: its type, or undefined when it has no default and was not given. */
export type OptionValues<S extends OptionSpecs> = {
  -readonly [K in keyof S]: S[K] extends {required: true} ? OptionType<S[K]> : S[K] extends {default: infer D} ? (undefined extends D ? OptionType<S[K]> | undefined : OptionType<S[K]>) : OptionType<S[K]> | undefined;
};
type OptionType<S> = S extends OptionSpec<infer T> ? T : never;

export function option<T>(spec: Omit<OptionSpec<T>, "takes" | "default" | "required"> & {required: true; example: string; takes?: "value" | "list"}): OptionSpec<T> & {required: true};
export function option<T>(spec: Omit<OptionSpec<T>, "takes" | "default"> & {default: T; takes?: "value" | "list"}): OptionSpec<T> & {default: T};
export function option<T>(spec: Omit<OptionSpec<T>, "takes" | "default"> & {takes?: "value" | "list"}): OptionSpec<T>;
export function option<T>(spec: Omit<OptionSpec<T>, "takes"> & {takes?: "value" | "list"}): OptionSpec<T> {
  return {takes: "value", ...spec};
}

export function flag(help: string, extra: Pick<OptionSpec<boolean>, "aliases" | "dschat" | "hidden"> = {}): OptionSpec<boolean> & {default: boolean} {
  return {takes: "flag", parse: () => true, default: false, placeholder: "", help, ...extra};
}

/** Every spelling an option is accepted under, without the leading "--": its names with "-" and with "_". */
export function spellings(name: string, spec: OptionSpec): string[] {
  return [...new Set([name, ...(spec.aliases ?? [])].flatMap((n) => [n, n.replaceAll("_", "-"), n.replaceAll("-", "_")]))];
}

/** How the help shows an option: DS-Chat arguments as `--max_seq_len, --max-seq-len`, others kebab-case. */
export function displayNames(name: string, spec: OptionSpec): string[] {
  const names = [name, ...(spec.aliases ?? [])];
  return [...new Set(names.flatMap((n) => (spec.dschat && n.includes("_") ? [`--${n}`, `--${n.replaceAll("_", "-")}`] : [`--${n.replaceAll("_", "-")}`])))];
}
