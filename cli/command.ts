import type {Writable} from "node:stream";
import type {SchemaName} from "../src/core/contract/schemaVersions.js";
import type {OptionSpecs} from "./options/optionSpec.js";
import type {ParsedArgs, PositionalSpec} from "./options/parseArgv.js";

/** What a command may touch; tests pass their own streams and environment. */
export interface CliIO {
  stdout: Writable & {isTTY?: boolean};
  stderr: Writable & {isTTY?: boolean};
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** What a command hands back to `main`, which prints it and picks the exit code. */
export interface CommandResult {
  /** The `--json` document, built with `versioned(schema, …)` so it carries its `schema_version`. */
  json: {schema_version: number};
  /** The view for people, printed without `--json`. */
  text: () => string;
  /** Findings: any of severity "error" makes the exit code 4. */
  findings?: ReadonlyArray<{severity: string}>;
}

/**
 * One `dschat-studio <name>` command: `cli/commands/<name>.ts` default-exports it and `cli/commands/index.ts` lists it.
 * `main` parses the options (`options`, plus the global --json, --debug and --help) before `run` starts, prints the
 * result, and maps errors to exit codes: a command never catches errors to re-classify them.
 */
export interface Command<S extends OptionSpecs = OptionSpecs> {
  /** One line for `dschat-studio --help`. */
  summary: string;
  /** What follows the command's name in its usage line, e.g. "<path...> --out <dir> [options]". */
  synopsis: string;
  /** Paragraphs for `--help`, between the usage line and the options. */
  description: string;
  options: S;
  positionals: PositionalSpec;
  /** The schema of its `--json` document (schemas/<name>.schema.json). */
  schema: SchemaName;
  /** Text after the options in `--help` (examples, notes). */
  notes?: string;
  run(args: ParsedArgs<S>, io: CliIO): Promise<CommandResult>;
}

/** Declares a command with its option types checked against `run` (an identity function). */
export function defineCommand<S extends OptionSpecs>(command: Command<S>): Command<S> {
  return command;
}
