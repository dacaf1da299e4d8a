/**
 * Reads a file the user dropped into the page, in the upload worker, with the engine's rules (src/core/records): the
 * kind from its first bytes, then its records streamed batch by batch — JSON Lines, one JSON array, CSV/TSV, plain text
 * (each optionally gzip, gunzipped by the browser's DecompressionStream), Parquet (parquet-wasm) and Arrow IPC
 * (apache-arrow).
 * Nothing leaves the browser.
 */
import {RecordBatchReader, tableFromIPC, Vector} from "npm:apache-arrow";
import initParquet, {readParquet} from "npm:parquet-wasm";
import {UserError} from "../core/contract/userError.js";
import {binaryKind, classifyText, type FileSniff, isGzip, SNIFF_BYTES} from "../core/records/classifyFile.js";
import {DelimitedScanner} from "../core/records/delimitedScanner.js";
import {JsonArrayScanner} from "../core/records/jsonArrayScanner.js";
import {JsonLinesScanner} from "../core/records/jsonLines.js";
import {toPlainJsonWith} from "../core/records/plainJson.js";
import type {RecordItem} from "../core/records/recordItem.js";
import {scanTextChunks} from "../core/records/scanText.js";
import {TextLinesScanner} from "../core/records/textScanner.js";

const toPlainJson = toPlainJsonWith((value) => value instanceof Vector);

async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const {done, value} = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** The file's bytes (gunzipped when gzip), reporting the bytes of the file consumed so far. */
function fileChunks(file: Blob, gzip: boolean, source: string, onBytes: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  const counted = file.stream().pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        onBytes(chunk.length);
        controller.enqueue(chunk);
      }
    })
  );
  if (!gzip) return chunksOf(counted);
  return (async function* () {
    try {
      yield* chunksOf(counted.pipeThrough(new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>));
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new UserError(`not readable gzip: ${(error as Error).message}; the file is truncated or corrupt`, {where: {file: source}, fix: "Download the file again, or check it with 'gzip -t'.", cause: error});
    }
  })();
}

/** How to read the file, as the engine's sniffFile decides it (src/core/records/classifyFile.ts). */
export async function sniffUpload(file: Blob, source: string): Promise<FileSniff> {
  if (file.size === 0) throw new UserError("is empty (0 bytes)", {where: {file: source}, fix: "Pass a file that holds records."});
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  const binary = binaryKind(head);
  if (binary) return {kind: binary, gzip: false};
  const gzip = isGzip(head);
  let text = head;
  if (gzip) {
    const parts: Uint8Array[] = [];
    let length = 0;
    try {
      for await (const chunk of fileChunks(file, true, source, () => {})) {
        parts.push(chunk);
        length += chunk.length;
        if (length >= SNIFF_BYTES) break;
      }
    } catch (error) {
      // A sample cut short is enough to decide, as long as something decompressed.
      if (!length) throw new UserError(`starts like gzip but does not decompress: ${(error as Error).message}`, {where: {file: source, byte: 0}, fix: "Download the file again, or check it with 'gzip -t'.", cause: error});
    }
    text = new Uint8Array(length);
    let at = 0;
    for (const part of parts) text.set(part, at), (at += part.length);
    text = text.subarray(0, SNIFF_BYTES);
  }
  return classifyText({source, size: file.size, headBytes: head.length, gzip, bytes: text});
}

/** The file's records in batches, in file order; `onBytes` gets the file bytes consumed since its last call. */
export async function* readUpload(file: Blob, source: string, {kind, gzip}: FileSniff, onBytes: (bytes: number) => void): AsyncGenerator<RecordItem[]> {
  switch (kind) {
    case "jsonl":
      yield* scanTextChunks(fileChunks(file, gzip, source, onBytes), new JsonLinesScanner(), source);
      return;
    case "json-array":
      yield* scanTextChunks(fileChunks(file, gzip, source, onBytes), new JsonArrayScanner(source), source);
      return;
    case "csv":
    case "tsv":
      yield* scanTextChunks(fileChunks(file, gzip, source, onBytes), new DelimitedScanner(source, kind === "csv" ? "," : "\t"), source);
      return;
    case "text-lines":
    case "text-paragraphs":
      yield* scanTextChunks(fileChunks(file, gzip, source, onBytes), new TextLinesScanner(kind === "text-paragraphs"), source);
      return;
    case "arrow":
      yield* readArrowUpload(file, source, onBytes);
      return;
    case "parquet":
      yield* readParquetUpload(file, source, onBytes);
      return;
  }
}

/** Arrow IPC, file or stream format, batch by batch (the engine's readArrow.ts reads it the same way). */
async function* readArrowUpload(file: Blob, source: string, onBytes: (bytes: number) => void): AsyncGenerator<RecordItem[]> {
  let row = 0;
  let reader;
  try {
    reader = await RecordBatchReader.from(new Uint8Array(await file.arrayBuffer()));
  } catch (error) {
    throw new UserError(`not a readable Arrow IPC file: ${(error as Error).message}`, {where: {file: source}, fix: "Write the file again with the tool that made it (the file is truncated or not Arrow IPC).", cause: error});
  }
  onBytes(file.size);
  for (const batch of reader) {
    const items: RecordItem[] = [];
    for (let i = 0; i < batch.numRows; i++) items.push({row: ++row, line: null, value: toPlainJson(batch.get(i))});
    if (items.length) yield items;
  }
}

let parquetReady: Promise<unknown> | null = null;

/** Parquet through parquet-wasm (duckdb-wasm cannot read Parquet offline), as Arrow record batches. */
async function* readParquetUpload(file: Blob, source: string, onBytes: (bytes: number) => void): AsyncGenerator<RecordItem[]> {
  parquetReady ??= initParquet(import.meta.resolve("npm:parquet-wasm/esm/parquet_wasm_bg.wasm"));
  await parquetReady;
  let table;
  try {
    const wasmTable = readParquet(new Uint8Array(await file.arrayBuffer()));
    table = tableFromIPC(wasmTable.intoIPCStream());
  } catch (error) {
    throw new UserError(`not a readable Parquet file: ${(error as Error).message ?? String(error)}`, {where: {file: source}, fix: "Write the file again with the tool that made it (the file is truncated or not Parquet).", cause: error});
  }
  onBytes(file.size);
  let row = 0;
  for (const batch of table.batches) {
    const items: RecordItem[] = [];
    for (let i = 0; i < batch.numRows; i++) items.push({row: ++row, line: null, value: toPlainJson(batch.get(i))});
    if (items.length) yield items;
  }
}

/** sha256 of the file's bytes as stored (compressed files hashed compressed), as the engine's manifest records it. */
export async function sha256Hex(file: Blob): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
