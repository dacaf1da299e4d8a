import {createHash, type Hash} from "node:crypto";
import {createWriteStream, type WriteStream} from "node:fs";

/**
 * Appends blocks of encoded lines to a file. Each append resolves once its bytes are written, so a fast producer never
 * piles output up in memory and the caller may reuse a block's buffer as soon as the append resolves. With `hash`, the
 * sha256 of the bytes is computed as they pass (`digest()` after `close()`), for the cache's record of the file.
 */
export class LineWriter {
  readonly path: string;
  private readonly stream: WriteStream;
  private readonly hash: Hash | null;
  private failure: Error | null = null;
  lines = 0;

  constructor(path: string, {hash = false}: {hash?: boolean} = {}) {
    this.path = path;
    this.hash = hash ? createHash("sha256") : null;
    this.stream = createWriteStream(path);
    this.stream.on("error", (error) => (this.failure ??= error));
  }

  /** Appends lines already joined and UTF-8 encoded, each ending in a newline (a BlockEncoder's bytes). */
  async pushEncoded(block: Uint8Array, lines: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (lines === 0) return;
    this.lines += lines;
    this.hash?.update(block);
    await new Promise<void>((resolve, reject) => this.stream.write(block, (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => {
      this.stream.end((error?: Error | null) => (error ?? this.failure ? reject(error ?? this.failure) : resolve()));
    });
  }

  /** The sha256 of everything written (after close); null without `hash`. */
  digest(): string | null {
    return this.hash ? this.hash.digest("hex") : null;
  }

  /** Closes the file without caring about its content (the caller is abandoning the output). */
  destroy(): void {
    this.stream.destroy();
  }
}
