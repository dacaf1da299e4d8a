/**
 * The one error a user can act on: what is wrong, where (a file with its line, row or byte; a field of a JSON file; a
 * command-line option) and the fix. Every layer throws it for unusable input and nothing else; the CLI's `main` maps
 * it to exit code 2 and prints it without a stack, while any other error is a bug (exit 1). Row-level problems in a
 * dataset are never thrown: they become counted rejects. Isomorphic: no Node or DOM imports.
 */

/** Where the problem is; every part is optional and they combine ("--from plan.json, plan.step1.zero_stage"). */
export interface ErrorLocation {
  /** The file as the user named it (or as a folder listing names it). */
  file?: string;
  /** 1-based line in a text file. */
  line?: number;
  /** 1-based record (JSON array item, CSV/Parquet/Arrow row). */
  row?: number;
  /** 0-based byte offset in the (decompressed) file. */
  byte?: number;
  /** A JSON path inside the file or object, e.g. `plan.step1.zero_stage`. */
  field?: string;
  /** The command-line option that carried the value, e.g. `--max-seq-len`. */
  option?: string;
}

export interface UserErrorOptions {
  where?: ErrorLocation;
  /** What the user should do, as an imperative sentence ("Pass --out DIR."). Required: an error without a fix is a bug report. */
  fix: string;
  /** A stable id for callers that must tell one user error from another (e.g. "unknown-format"); never parse the message. */
  code?: string;
  /** Structured facts behind the message, for callers and tests (e.g. the columns found). */
  details?: Readonly<Record<string, unknown>>;
  cause?: unknown;
}

export class UserError extends Error {
  /** The problem, without location or fix. */
  readonly what: string;
  readonly where: Readonly<ErrorLocation>;
  readonly fix: string;
  readonly code: string | null;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(what: string, {where = {}, fix, code, details = {}, cause}: UserErrorOptions) {
    const problem = what.replace(/\.$/, "");
    super(`${withLocation(where, problem)}. ${fix}`, {cause});
    this.name = "UserError";
    this.what = problem;
    this.where = where;
    this.fix = fix;
    this.code = code ?? null;
    this.details = details;
  }

  /** The same error with more of its location known (the caller knows the file or option the value came from). */
  at(where: ErrorLocation): UserError {
    return new UserError(this.what, {where: {...this.where, ...where}, fix: this.fix, code: this.code ?? undefined, details: this.details, cause: this.cause});
  }
}

/** `--from plan.json, plan.step1.zero_stage`, `data.jsonl line 12 (byte 3456)`, `rows.csv row 7`: the location part of every message. */
export function describeLocation({file, line, row, byte, field, option}: ErrorLocation): string {
  let place = file ?? "";
  if (file !== undefined) {
    if (line !== undefined) place += ` line ${line}`;
    else if (row !== undefined) place += ` row ${row}`;
    if (byte !== undefined) place += line !== undefined || row !== undefined ? ` (byte ${byte})` : ` byte ${byte}`;
  }
  const head = [option, place].filter(Boolean).join(" ");
  return [head, field].filter(Boolean).join(", ");
}

function withLocation(where: ErrorLocation, what: string): string {
  const place = describeLocation(where);
  return place ? `${place}: ${what}` : what;
}

/** Runs `parse` and gives any UserError it throws the location of the value (other errors are bugs and pass through). */
export function locate<T>(where: ErrorLocation, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw error instanceof UserError ? error.at(where) : error;
  }
}

/** A UserError as plain data, to cross a worker boundary (structured clone keeps neither its class nor its fields). */
export interface UserErrorData {
  what: string;
  where: ErrorLocation;
  fix: string;
  code: string | null;
}

/** What a worker posts for an error: a UserError's parts, or a bug's message and stack. */
export type WorkerFailure = {user: UserErrorData} | {message: string; stack?: string};

export function toWorkerFailure(error: unknown): WorkerFailure {
  if (error instanceof UserError) return {user: {what: error.what, where: {...error.where}, fix: error.fix, code: error.code}};
  return {message: (error as Error)?.message ?? String(error), stack: (error as Error)?.stack};
}

/** The error to throw on the parent's side: the same UserError, or an Error saying which worker failed (a bug, exit 1). */
export function fromWorkerFailure(failure: WorkerFailure, worker: string): Error {
  if ("user" in failure) return new UserError(failure.user.what, {where: failure.user.where, fix: failure.user.fix, code: failure.user.code ?? undefined});
  return Object.assign(new Error(`${worker} failed: ${failure.message}`), failure.stack ? {stack: failure.stack} : {});
}
