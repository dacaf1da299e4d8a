import {createWriteStream, type WriteStream} from "node:fs";

/**
 * Appends blocks of encoded lines to a file. Each append resolves once its bytes are written, so a fast producer never
 * piles output up in memory and the caller may reuse a block's buffer as soon as the append resolves.
 */
export class LineWriter {
  readonly path: string;
  private readonly stream: WriteStream;
  private failure: Error | null = null;
  lines = 0;

  constructor(path: string) {
    this.path = path;
    this.stream = createWriteStream(path);
    this.stream.on("error", (error) => (this.failure ??= error));
  }

  /** Appends lines already joined and UTF-8 encoded, each ending in a newline (a BlockEncoder's bytes). */
  async pushEncoded(block: Uint8Array, lines: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (lines === 0) return;
    this.lines += lines;
    await new Promise<void>((resolve, reject) => this.stream.write(block, (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => {
      this.stream.end((error?: Error | null) => (error ?? this.failure ? reject(error ?? this.failure) : resolve()));
    });
  }

  /** Closes the file without caring about its content (the caller is abandoning the output). */
  destroy(): void {
    this.stream.destroy();
  }
}
