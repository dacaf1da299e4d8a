import {mkdir, rm} from "node:fs/promises";
import {availableParallelism} from "node:os";
import {join} from "node:path";
import type {DuckDBConnection, DuckDBInstance} from "@duckdb/node-api";
import {LineWriter} from "./lineWriter.js";

/** Folder of the canonical Parquet parts inside a cache entry; read it with `read_parquet('<entry>/canonical/*.parquet')`. */
export const CANONICAL_DIR = "canonical";
const ROWS_PER_PART = 100_000;
const BASE_MEMORY_LIMIT_MB = 256;
const DEFAULT_OBJECT_SIZE = 32 * 1024 * 1024;

/** Column name → DuckDB type of the canonical table, in column order. `conversation` is JSON text. */
export const CANONICAL_COLUMNS = {
  id: "VARCHAR",
  source: "VARCHAR",
  row: "BIGINT",
  split: "VARCHAR",
  eval: "BOOLEAN",
  conversation: "JSON",
  turns: "INTEGER",
  prompt: "VARCHAR",
  chosen: "VARCHAR",
  rejected: "VARCHAR",
  prompt_chars: "INTEGER",
  chosen_chars: "INTEGER",
  rejected_chars: "INTEGER",
  phase1: "BOOLEAN",
  phase2: "BOOLEAN",
  phase3: "BOOLEAN"
} as const;

/**
 * Writes canonical rows as Parquet parts of ~100k rows without holding them: rows go to a temporary JSON Lines part, and
 * when a part is full native DuckDB converts it (`COPY … TO parquet`) on its own thread while JavaScript keeps
 * converting the next part, so both cores work.
 */
export class CanonicalWriter {
  private readonly dir: string;
  private connection: DuckDBConnection | null = null;
  private instance: DuckDBInstance | null = null;
  private part: LineWriter | null = null;
  private partIndex = 0;
  private copying: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private moveToEval: string | null = null;
  private memoryLimit = BASE_MEMORY_LIMIT_MB;
  /** Bytes of the longest line in the part being filled. */
  private partLongestLine = 0;
  rows = 0;

  constructor(entryDir: string) {
    this.dir = join(entryDir, CANONICAL_DIR);
  }

  async open(): Promise<void> {
    await mkdir(this.dir, {recursive: true});
    // Loaded on first use: the native module costs ~0.5 s of start-up that failing runs and inspect should not pay.
    const {DuckDBInstance} = await import("@duckdb/node-api");
    this.instance = await DuckDBInstance.create(":memory:", {threads: "1", memory_limit: `${BASE_MEMORY_LIMIT_MB}MB`, preserve_insertion_order: "true"});
    this.connection = await this.instance.connect();
  }

  /** Appends encoded canonical lines (convertBatch.ts); a part may exceed its row target by one block. */
  async pushEncoded(block: Uint8Array, lines: number, longestLine = 0): Promise<void> {
    if (lines === 0) return;
    if (longestLine > this.partLongestLine) this.partLongestLine = longestLine;
    this.part ??= new LineWriter(join(this.dir, `part-${String(this.partIndex).padStart(5, "0")}.jsonl`));
    await this.part.pushEncoded(block, lines);
    this.rows += lines;
    if (this.part.lines >= ROWS_PER_PART) await this.finishPart();
    if (this.failure) throw this.failure;
  }

  /**
   * Finishes the last part and waits for every conversion; returns the number of Parquet parts written. `moveToEval`
   * flips one row of the last part to eval (the empty-eval fallback moves the last train row).
   */
  async close({moveToEval = null}: {moveToEval?: string | null} = {}): Promise<number> {
    this.moveToEval = moveToEval;
    if (this.part || this.partIndex === 0) await this.finishPart(true);
    await this.copying;
    if (this.failure) throw this.failure;
    this.release();
    return this.partIndex;
  }

  /** Stops without finishing (the run failed); temporary files go with the caller's staging folder. */
  abandon(): void {
    this.part?.destroy();
    this.release();
  }

  private async finishPart(last = false): Promise<void> {
    const part = this.part ?? new LineWriter(join(this.dir, `part-${String(this.partIndex).padStart(5, "0")}.jsonl`));
    this.part = null;
    await part.close();
    const parquet = part.path.replace(/\.jsonl$/, ".parquet");
    const longestLine = this.partLongestLine;
    this.partLongestLine = 0;
    this.partIndex++;
    // One conversion at a time: DuckDB gets the second core, JavaScript keeps the first.
    await this.copying;
    if (this.failure) throw this.failure;
    this.copying = this.copyPart(part.path, parquet, last, longestLine).catch((error) => {
      this.failure = new Error(`Failed to write canonical Parquet ${parquet}: ${(error as Error).message}`, {cause: error});
    });
  }

  private async copyPart(jsonl: string, parquet: string, last: boolean, longestLine: number): Promise<void> {
    // Nothing runs beside the last part, so it may use every core.
    if (last) await this.connection!.run(`SET threads = ${availableParallelism()}`);
    const columns = Object.entries(CANONICAL_COLUMNS).map(([name, type]) => `${quotedIdentifier(name)}: ${quotedString(type)}`).join(", ");
    const moved = last && this.moveToEval !== null;
    const select = Object.keys(CANONICAL_COLUMNS)
      .map((name) => {
        const column = quotedIdentifier(name);
        if (name === "conversation") return `${column}::VARCHAR AS ${column}`;
        if (name === "eval" && moved) return `(${column} OR "id" = $2) AS ${column}`;
        return column;
      })
      .join(", ");
    const objectSize = maximumObjectSize(longestLine);
    // The reader's buffers grow with the object size; the memory limit must leave room for them.
    const memoryLimit = objectSize <= DEFAULT_OBJECT_SIZE ? BASE_MEMORY_LIMIT_MB : BASE_MEMORY_LIMIT_MB + Math.ceil((4 * objectSize) / 1024 / 1024);
    if (memoryLimit !== this.memoryLimit) {
      await this.connection!.run(`SET memory_limit = '${memoryLimit}MB'`);
      this.memoryLimit = memoryLimit;
    }
    await this.connection!.run(
      `COPY (SELECT ${select} FROM read_json($1, format = 'newline_delimited', columns = {${columns}}, maximum_object_size = ${objectSize})) ` +
        `TO ${quotedString(parquet)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 16384)`,
      moved ? [jsonl, this.moveToEval!] : [jsonl]
    );
    await rm(jsonl, {force: true});
  }

  private release(): void {
    this.connection?.closeSync();
    this.instance?.closeSync();
    this.connection = null;
    this.instance = null;
  }
}

/**
 * DuckDB's JSON reader refuses a line longer than `maximum_object_size` and holds buffers of about twice that size:
 * 32 MiB as before for ordinary data, the next power of two above the longest line for a part with a larger row.
 */
export function maximumObjectSize(longestLine: number): number {
  let size = DEFAULT_OBJECT_SIZE;
  while (size <= longestLine + 1) size *= 2;
  return size;
}

/** For file paths the engine itself chose (COPY's target cannot be a bound parameter); never for user text. */
function quotedString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function quotedIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
