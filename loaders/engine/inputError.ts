/**
 * A file that cannot be used at all (not JSON, truncated gzip, invalid UTF-8, empty, unknown shape). Callers branch on
 * it: the CLI exits 2 with the message, and data loaders let it fail the build. Row-level problems are never thrown;
 * they become counted rejects.
 */
export class InputError extends Error {
  readonly file: string;
  /** 1-based line of the problem, when the file is text and the line is known. */
  readonly line: number | null;
  /** 0-based byte offset of the problem in the (decompressed) file, when known. */
  readonly byte: number | null;
  constructor(message: string, {file, line = null, byte = null, cause}: {file: string; line?: number | null; byte?: number | null; cause?: unknown}) {
    super(message, {cause});
    this.name = "InputError";
    this.file = file;
    this.line = line;
    this.byte = byte;
  }
}

/** "file.jsonl line 12 (byte 3456)" — the position part of every InputError message. */
export function describePosition(file: string, {line, byte}: {line?: number | null; byte?: number | null} = {}): string {
  const parts = [file];
  if (line != null) parts.push(`line ${line}`);
  if (byte != null) parts.push(line != null ? `(byte ${byte})` : `byte ${byte}`);
  return parts.join(" ");
}
