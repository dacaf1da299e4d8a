import type {Writable} from "node:stream";

/** What a command may touch; tests pass their own streams and environment. */
export interface CliIO {
  stdout: Writable & {isTTY?: boolean};
  stderr: Writable & {isTTY?: boolean};
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** One `dschat-studio <name>` command. The module `commands/<name>.ts` default-exports it. */
export interface Command {
  /** One line for `dschat-studio --help`. */
  summary: string;
  /** The full usage text printed by `dschat-studio <name> --help`. */
  usage: string;
  /** Returns the exit code; throws CliError for user errors. */
  run(argv: string[], io: CliIO): Promise<number>;
}
