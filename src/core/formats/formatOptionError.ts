/** A bad --format or --map value: the message quotes it and says how to write it; the CLI exits 2 on it. */
export class FormatOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FormatOptionError";
  }
}
