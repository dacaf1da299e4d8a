/** Where encoders get their buffers: a conversion worker reuses the ones the main thread hands back after writing. */
export interface BufferPool {
  /** A buffer of at least `bytes` bytes that owns its whole ArrayBuffer. */
  take(bytes: number): Buffer;
  /** Returns a buffer no longer needed (a smaller one outgrown while encoding). */
  give(buffer: Buffer): void;
}

/** Fresh buffers every time: for one-off batches (the single-thread path). */
export const allocatingPool: BufferPool = {take: (bytes) => Buffer.allocUnsafeSlow(bytes), give: () => undefined};

/**
 * Reuses ArrayBuffers that come back. Every buffer a conversion allocates fresh is external memory the garbage
 * collector must eventually find: tens of megabytes per batch made the main thread run a full collection every few
 * batches, and page faulting new memory showed as system time. Reusing a handful of buffers avoids both.
 */
export class ReusingPool implements BufferPool {
  private readonly spare: ArrayBuffer[] = [];

  constructor(private readonly capacity = 16) {}

  take(bytes: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.spare.length; i++) {
      const size = this.spare[i].byteLength;
      if (size >= bytes && (best === -1 || size < this.spare[best].byteLength)) best = i;
    }
    if (best === -1) return Buffer.allocUnsafeSlow(bytes);
    const [buffer] = this.spare.splice(best, 1);
    return Buffer.from(buffer);
  }

  give(buffer: Buffer | ArrayBuffer): void {
    const whole = buffer instanceof ArrayBuffer ? buffer : (buffer.buffer as ArrayBuffer);
    if (whole.byteLength === 0 || this.spare.includes(whole)) return;
    this.spare.push(whole);
    // Keep the largest: they fit every later request.
    if (this.spare.length > this.capacity) this.spare.sort((a, b) => b.byteLength - a.byteLength).pop();
  }
}

/**
 * A block of output lines encoded straight to UTF-8 in one growing buffer outside the JS heap. Writing a line's pieces
 * one by one, instead of concatenating them into a string first, spares building, flattening and collecting a large
 * string per row; bytes already encoded once (a train.json line) can be copied into another block instead of being
 * encoded again. The buffer owns its ArrayBuffer (never Node's shared pool), so a worker can transfer it.
 */
export class BlockEncoder {
  private buffer: Buffer;
  private offset = 0;
  lines = 0;

  constructor(
    initialBytes: number,
    private readonly pool: BufferPool = allocatingPool
  ) {
    this.buffer = pool.take(initialBytes);
  }

  get length(): number {
    return this.offset;
  }

  write(text: string): void {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes; grow before write() could truncate.
    this.reserve(text.length * 3);
    this.offset += this.buffer.write(text, this.offset);
  }

  /** Appends bytes [start, end) of another block (already UTF-8). */
  copyFrom(source: BlockEncoder, start: number, end: number): void {
    this.reserve(end - start);
    this.offset += source.buffer.copy(this.buffer, this.offset, start, end);
  }

  /** Ends the current line. */
  endLine(): void {
    this.reserve(1);
    this.buffer[this.offset++] = 0x0a;
    this.lines++;
  }

  /** The bytes written so far, each line ending in a newline; a view of a buffer that owns its whole ArrayBuffer. */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.offset);
  }

  private reserve(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = this.pool.take(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.pool.give(this.buffer);
    this.buffer = grown;
  }
}
