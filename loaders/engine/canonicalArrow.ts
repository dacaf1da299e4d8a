import {createHash, randomBytes} from "node:crypto";
import {readdir, readFile, rename, writeFile, access} from "node:fs/promises";
import {basename, dirname, join, resolve} from "node:path";
import {Bool, Int32, RecordBatchStreamWriter, Table, Utf8, vectorFromArray, type DataType} from "apache-arrow";
import {fileMismatch, isFileRecord, recordFile} from "../fs/fileDigest.js";
import {cacheEntryDir, cacheRoot, entryMismatch, readStoredEntry, SUMMARY_FILE, verifiesFully, withEntryLock} from "./cache.js";
import {CANONICAL_COLUMNS, CANONICAL_DIR} from "./canonicalWriter.js";
import {convertDataset, type ConvertOptions} from "./convert.js";
import {MANIFEST_FILE} from "../../src/core/contract/manifest.js";
import {UserError} from "../../src/core/contract/userError.js";
import {readManifest} from "./readManifest.js";

/** The Arrow IPC stream of a cache entry, written on first request (pages need it; the CLI does not). */
export const CANONICAL_ARROW_FILE = "canonical.arrow";

const ARROW_TYPES: Record<string, () => DataType> = {VARCHAR: () => new Utf8(), JSON: () => new Utf8(), BIGINT: () => new Int32(), INTEGER: () => new Int32(), BOOLEAN: () => new Bool()};

/**
 * The canonical rows of a dataset as Arrow IPC *stream* bytes (the only Arrow form duckdb-wasm's `sql:` front matter
 * reads), converting the inputs first when the cache has no entry for them. For a Framework data loader:
 * `process.stdout.write(await convertToArrowStream(["data/raw/hh.jsonl.gz"]))`. Columns: see CANONICAL_COLUMNS
 * (`row` is Int32 here, `conversation` JSON text).
 */
export async function convertToArrowStream(paths: readonly string[], options: Omit<ConvertOptions, "paths" | "out"> = {}): Promise<Uint8Array> {
  const summary = await convertDataset({...options, paths, out: null});
  return readCanonicalArrow(summary.cacheDir, options.env);
}

/**
 * Arrow IPC stream bytes of a converted dataset, given its cache entry folder or a `convert --out` folder (whose
 * manifest names the entry). The entry is verified first, and `canonical.arrow` is served only when it still matches
 * the record written beside it (`canonical.arrow.json`); otherwise it is built again from the Parquet parts. Throws a
 * UserError when the entry is gone or damaged: run convert again.
 */
export async function readCanonicalArrow(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<Uint8Array> {
  const entry = await resolveEntry(dir, env);
  const root = dirname(dirname(entry));
  return withEntryLock(root, basename(entry), async () => {
    const stored = await readStoredEntry(entry);
    const damage = stored ? await entryMismatch(entry, stored.files, {full: verifiesFully(env)}) : `${SUMMARY_FILE} is unreadable`;
    if (damage) {
      throw new UserError(`its cache entry ${entry} is damaged (${damage})`, {where: {file: dir}, fix: "Run 'dschat-studio convert' on the same inputs again: it rebuilds the entry."});
    }
    const arrowPath = join(entry, CANONICAL_ARROW_FILE);
    const recordPath = `${arrowPath}.json`;
    const record = await readFile(recordPath, "utf8").then((text) => JSON.parse(text) as unknown, () => null);
    if (isFileRecord(record) && (await fileMismatch(arrowPath, record, {full: verifiesFully(env)})) === null) {
      const cached = await readFile(arrowPath);
      return new Uint8Array(cached.buffer, cached.byteOffset, cached.byteLength);
    }
    const bytes = await canonicalParquetToArrow(entry);
    const suffix = `.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    await writeFile(arrowPath + suffix, bytes);
    await rename(arrowPath + suffix, arrowPath);
    const written = await recordFile(arrowPath, createHash("sha256").update(bytes).digest("hex"));
    await writeFile(recordPath + suffix, JSON.stringify(written) + "\n");
    await rename(recordPath + suffix, recordPath);
    return bytes;
  });
}

async function resolveEntry(dir: string, env: NodeJS.ProcessEnv): Promise<string> {
  if (await access(join(dir, SUMMARY_FILE)).then(() => true, () => false)) return resolve(dir);
  const manifest = readManifest(dir, {required: false});
  if (manifest === null) {
    throw new UserError(`holds no converted data: it has neither ${SUMMARY_FILE} (a cache entry) nor ${MANIFEST_FILE} (a convert output)`, {
      where: {file: dir},
      fix: "Pass a folder written by 'dschat-studio convert --out DIR'."
    });
  }
  const entry = cacheEntryDir(cacheRoot(env), manifest.cache_key);
  if (!(await access(join(entry, SUMMARY_FILE)).then(() => true, () => false))) {
    throw new UserError(`its cache entry ${entry} is gone: the cache was cleared`, {where: {file: dir}, fix: "Run 'dschat-studio convert' again."});
  }
  return entry;
}

async function canonicalParquetToArrow(entry: string): Promise<Uint8Array> {
  const parts = (await readdir(join(entry, CANONICAL_DIR))).filter((name) => name.endsWith(".parquet")).sort().map((name) => join(entry, CANONICAL_DIR, name));
  const names = Object.keys(CANONICAL_COLUMNS);
  const types = Object.values(CANONICAL_COLUMNS).map((type) => ARROW_TYPES[type]());
  const {DuckDBInstance, JSDuckDBValueConverter, listValue} = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:", {threads: "1", memory_limit: "256MB"});
  const connection = await instance.connect();
  const writer = new RecordBatchStreamWriter();
  try {
    const select = names.map((name) => `"${name}"${name === "row" ? "::INTEGER" : ""}`).join(", ");
    const result = await connection.stream(`SELECT ${select} FROM read_parquet($1::VARCHAR[])`, [listValue(parts)]);
    let wroteAny = false;
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      const columns = chunk.convertColumns(JSDuckDBValueConverter);
      const table = new Table(Object.fromEntries(names.map((name, i) => [name, vectorFromArray(columns[i], types[i])])));
      for (const batch of table.batches) writer.write(batch);
      wroteAny = true;
    }
    if (!wroteAny) writer.write(new Table(Object.fromEntries(names.map((name, i) => [name, vectorFromArray([], types[i])]))));
    writer.finish();
    return writer.toUint8Array(true);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
