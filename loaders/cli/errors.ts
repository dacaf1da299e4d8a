/** Exit codes are part of the CLI's contract: scripts branch on them. */
export const EXIT_OK = 0;
/** A bug or an environment failure: the message asks for a report, --debug shows the stack. */
export const EXIT_INTERNAL = 1;
/** The user's input cannot be used: unreadable file, bad flag, unknown format. The message says the fix. */
export const EXIT_INPUT = 2;
/** `lint` found at least one finding of severity "error". */
export const EXIT_FINDINGS = 4;

/** An error whose message is meant for the user, with the exit code the CLI must end with. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, {exitCode = EXIT_INPUT, cause}: {exitCode?: number; cause?: unknown} = {}) {
    super(message, {cause});
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}
