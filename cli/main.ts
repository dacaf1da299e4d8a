/**
 * `dschat-studio <command>`: the one place where arguments are parsed, results printed and errors mapped to exit codes.
 * A command validates nothing itself that its option specs can, and catches nothing to re-classify: a UserError (bad
 * input or arguments) exits 2 with its location and fix; findings of severity "error" exit 4; anything else is a bug and
 * exits 1 with the "rerun with --debug" line.
 */
import {didYouMean} from "../src/core/contract/suggest.js";
import {describeLocation, UserError} from "../src/core/contract/userError.js";
import type {CliIO, Command} from "./command.js";
import {commands} from "./commands/index.js";
import {flag} from "./options/optionSpec.js";
import {parseArgv} from "./options/parseArgv.js";
import {optionsHelp} from "./options/usage.js";
import {escapeForTerminal} from "./views/terminal.js";
import {writeJson} from "./views/writeJson.js";

/** Exit codes are part of the CLI's contract: scripts branch on them. */
export const EXIT = {
  ok: 0,
  /** A bug or an environment failure: the message asks for a report, --debug shows the stack. */
  internal: 1,
  /** Unusable input or arguments (a UserError): the message says where and the fix. */
  userError: 2,
  /** `lint` or `plan` found at least one finding of severity "error". */
  findings: 4
} as const;

/**
 * Test hook, documented in the README: `DSCHAT_STUDIO_TEST_THROW=<command>` makes that command throw a TypeError as it
 * starts, so a test can prove that a bug exits 1 for every command. It changes nothing unless the variable names the
 * command being run.
 */
export const TEST_THROW_VARIABLE = "DSCHAT_STUDIO_TEST_THROW";

/** Options every command takes. */
const globalOptions = {
  json: flag("print the result as one JSON document on stdout (its schema: see above)"),
  debug: flag("print the stack trace of an internal error")
};

const defaultIO: CliIO = {stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd()};

async function overview(): Promise<string> {
  const lines = ["Usage: dschat-studio <command> [options]", "", "Commands:"];
  for (const [name, load] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${(await load()).default.summary}`);
  lines.push("", "Run 'dschat-studio <command> --help' for the options of one command.");
  lines.push("Exit codes: 0 ok, 1 internal error, 2 unusable input or arguments, 4 lint or plan found errors.");
  return lines.join("\n") + "\n";
}

export function commandHelp(name: string, command: Command): string {
  return [
    `Usage: dschat-studio ${name} ${command.synopsis}`,
    "",
    command.description,
    "",
    "Options:",
    optionsHelp({...command.options, ...globalOptions}).replace("(its schema: see above)", `(schemas/${command.schema}.schema.json)`),
    "  -h, --help                  show this help",
    ...(command.notes ? ["", command.notes] : []),
    "",
    "Exit codes: 0 ok, 1 internal error (rerun with --debug), 2 unusable input or arguments, 4 errors found (lint, plan).",
    "Every DS-Chat argument is accepted in DS-Chat's spelling (--max_seq_len) and in kebab-case (--max-seq-len)."
  ].join("\n") + "\n";
}

export async function main(argv: string[], io: CliIO = defaultIO): Promise<number> {
  const [name, ...rest] = argv;
  const debug = rest.includes("--debug");
  try {
    if (!name || name === "--help" || name === "-h" || name === "help") {
      io.stdout.write(await overview());
      return name ? EXIT.ok : EXIT.userError;
    }
    if (name === "--version") {
      const {version} = await import("../package.json", {with: {type: "json"}}).then((m) => m.default);
      io.stdout.write(`${version}\n`);
      return EXIT.ok;
    }
    const load = commands[name as keyof typeof commands];
    if (!load) throw new UserError(`unknown command '${name}'`, {fix: `${didYouMean(name, Object.keys(commands))}Commands: ${Object.keys(commands).join(", ")}.`});
    const command = (await load()).default as unknown as Command;
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout.write(commandHelp(name, command));
      return EXIT.ok;
    }
    const args = parseArgv(rest, {...command.options, ...globalOptions}, command.positionals, name);
    for (const given of args.given) {
      const reason = command.options[given]?.ignored;
      if (reason) io.stderr.write(`note: --${given} is accepted but ignored: ${reason}\n`);
    }
    if (io.env[TEST_THROW_VARIABLE] === name) throw new TypeError(`deliberate TypeError in '${name}' (${TEST_THROW_VARIABLE})`);
    const result = await command.run(args, io);
    if (args.values.json) await writeJson(io.stdout, result.json);
    else io.stdout.write(escapeForTerminal(result.text()));
    return result.findings?.some((finding) => finding.severity === "error") ? EXIT.findings : EXIT.ok;
  } catch (error) {
    const prefix = `dschat-studio${name ? ` ${name}` : ""}`;
    if (error instanceof UserError) {
      const location = describeLocation(error.where);
      io.stderr.write(escapeForTerminal(`${prefix}: ${location ? `${location}: ` : ""}${error.what}\n  fix: ${error.fix}\n`));
      if (debug && error.cause) io.stderr.write(`${String((error.cause as Error)?.stack ?? error.cause)}\n`);
      return EXIT.userError;
    }
    io.stderr.write(escapeForTerminal(`${prefix}: unexpected error: ${(error as Error)?.message ?? error}\n`));
    io.stderr.write(debug ? `${(error as Error)?.stack}\n` : "Rerun with --debug for the stack trace, and please report it.\n");
    return EXIT.internal;
  }
}
