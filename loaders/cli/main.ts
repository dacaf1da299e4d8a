import {parseArgs} from "node:util";
import type {CliIO, Command} from "./command.js";
import {CliError, EXIT_INPUT, EXIT_INTERNAL, EXIT_OK} from "./errors.js";

/** Every command, loaded lazily so `--help` and small commands start fast. */
const commands: Record<string, () => Promise<{default: Command}>> = {
  inspect: () => import("./commands/inspect.js"),
  convert: () => import("./commands/convert.js"),
  split: () => import("./commands/split.js"),
  stats: () => import("./commands/stats.js"),
  lint: () => import("./commands/lint.js"),
  plan: () => import("./commands/plan.js")
};

const defaultIO: CliIO = {stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd()};

async function usage(): Promise<string> {
  const lines = ["Usage: dschat-studio <command> [options]", "", "Commands:"];
  for (const [name, load] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${(await load()).default.summary}`);
  lines.push("", "Run 'dschat-studio <command> --help' for the options of one command.");
  lines.push("Exit codes: 0 ok, 1 internal error, 2 unusable input or arguments, 4 lint found errors.");
  return lines.join("\n") + "\n";
}

export async function main(argv: string[], io: CliIO = defaultIO): Promise<number> {
  const [name, ...rest] = argv;
  const debug = rest.includes("--debug");
  try {
    if (!name || name === "--help" || name === "-h" || name === "help") {
      io.stdout.write(await usage());
      return name ? EXIT_OK : EXIT_INPUT;
    }
    if (name === "--version") {
      const {version} = await import("../../package.json", {with: {type: "json"}}).then((m) => m.default);
      io.stdout.write(`${version}\n`);
      return EXIT_OK;
    }
    const load = commands[name];
    if (!load) throw new CliError(`unknown command '${name}'. Commands: ${Object.keys(commands).join(", ")}.`);
    const command = (await load()).default;
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout.write(command.usage.endsWith("\n") ? command.usage : command.usage + "\n");
      return EXIT_OK;
    }
    return await command.run(rest.filter((arg) => arg !== "--debug"), io);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr.write(`dschat-studio${name ? ` ${name}` : ""}: ${error.message}\n`);
      if (debug && error.cause) io.stderr.write(`${String((error.cause as Error)?.stack ?? error.cause)}\n`);
      return error.exitCode;
    }
    if (isParseArgsError(error)) {
      io.stderr.write(`dschat-studio ${name}: ${(error as Error).message}. See 'dschat-studio ${name} --help'.\n`);
      return EXIT_INPUT;
    }
    io.stderr.write(`dschat-studio ${name}: unexpected error: ${(error as Error)?.message ?? error}\n`);
    io.stderr.write(debug ? `${(error as Error)?.stack}\n` : "Rerun with --debug for the stack trace, and please report it.\n");
    return EXIT_INTERNAL;
  }
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as {code?: string})?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}

export {parseArgs};
