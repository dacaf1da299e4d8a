import {createWriteStream, type WriteStream} from "node:fs";

const FLUSH_CHARS = 1 << 20;

/**
 * Appends lines to a file through a write stream, batching them into ~1 MiB writes and waiting for 'drain' when the
 * stream's buffer is full, so a fast producer never piles the output up in memory.
 */
export class LineWriter {
  readonly path: string;
  private readonly stream: WriteStream;
  private pending: string[] = [];
  private pendingChars = 0;
  private failure: Error | null = null;
  lines = 0;

  constructor(path: string) {
    this.path = path;
    this.stream = createWriteStream(path);
    this.stream.on("error", (error) => (this.failure ??= error));
  }

  /** Queues one line (without its newline). Call `flushIfFull()` after a batch of pushes. */
  push(line: string): void {
    this.pending.push(line);
    this.pendingChars += line.length + 1;
    this.lines++;
  }

  /** Appends lines already joined and encoded (each ending in a newline), e.g. by a conversion worker. */
  async pushEncoded(block: Uint8Array, lines: number): Promise<void> {
    if (lines === 0) return;
    await this.flush();
    this.lines += lines;
    if (!this.stream.write(block)) await this.waitForDrain();
  }

  async flushIfFull(): Promise<void> {
    if (this.pendingChars >= FLUSH_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pending.length === 0) return;
    const text = this.pending.join("\n") + "\n";
    this.pending = [];
    this.pendingChars = 0;
    if (!this.stream.write(text)) await this.waitForDrain();
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.end((error?: Error | null) => (error ?? this.failure ? reject(error ?? this.failure) : resolve()));
    });
  }

  /** Closes the file without caring about its content (the caller is abandoning the output). */
  destroy(): void {
    this.stream.destroy();
  }

  private waitForDrain(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onDrain = () => {
        this.stream.off("error", onError);
        resolve();
      };
      const onError = (error: Error) => {
        this.stream.off("drain", onDrain);
        reject(error);
      };
      this.stream.once("drain", onDrain);
      this.stream.once("error", onError);
    });
  }
}
