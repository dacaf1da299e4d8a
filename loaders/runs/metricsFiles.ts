/**
 * A run's metric rows as files: an Arrow IPC stream (what pages read into DuckDB-wasm) and Parquet (for DuckDB in Node:
 * `read_parquet('data/runs/*\/metrics.parquet')`), both with the columns of `RunMetricRow`. Written to a temporary sibling
 * and renamed, so a reader sees the old file or the new one, never half of one.
 */
import {randomUUID} from "node:crypto";
import {readFile, rename, rm, writeFile} from "node:fs/promises";
import {Float64, Int32, Table, tableFromIPC, tableToIPC, Utf8, vectorFromArray} from "apache-arrow";
import type {DuckDBConnection} from "@duckdb/node-api";
import type {RunMetricRow} from "../../src/core/runs/metricRows.js";

/** The columns, in order, with their DuckDB types (Parquet) — the Arrow types are the same kinds. */
export const METRIC_COLUMNS = {
  step: "INTEGER",
  epoch: "INTEGER",
  iteration: "INTEGER",
  metric: "VARCHAR",
  value: "DOUBLE",
  time: "DOUBLE",
  host: "VARCHAR",
  line: "INTEGER",
  kind: "VARCHAR"
} as const;

/** Rows (with extra string columns such as `run`) → Arrow IPC stream bytes. */
export function metricRowsToArrow(rows: ReadonlyArray<RunMetricRow>, extraStringColumns: readonly string[] = []): Uint8Array {
  const int = (key: keyof RunMetricRow) => vectorFromArray(rows.map((row) => row[key] as number | null), new Int32());
  const float = (key: keyof RunMetricRow) => vectorFromArray(rows.map((row) => row[key] as number | null), new Float64());
  const text = (key: string) => vectorFromArray(rows.map((row) => (row as unknown as Record<string, string>)[key]!), new Utf8());
  const table = new Table({
    ...Object.fromEntries(extraStringColumns.map((key) => [key, text(key)])),
    step: int("step"),
    epoch: int("epoch"),
    iteration: int("iteration"),
    metric: text("metric"),
    value: float("value"),
    time: float("time"),
    host: text("host"),
    line: int("line"),
    kind: text("kind")
  });
  return tableToIPC(table, "stream");
}

export function metricRowsFromArrow(bytes: Uint8Array): RunMetricRow[] {
  if (bytes.length === 0) return [];
  return tableFromIPC(bytes)
    .toArray()
    .map((row) => {
      const r = row.toJSON() as Record<string, unknown>;
      return {
        step: r.step as RunMetricRow["step"],
        epoch: r.epoch as number | null,
        iteration: r.iteration as number | null,
        metric: r.metric as string,
        value: r.value as number,
        time: r.time as number | null,
        host: r.host as string,
        line: r.line as number,
        kind: r.kind as string
      };
    });
}

export async function readMetricsArrow(path: string): Promise<RunMetricRow[]> {
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return new Uint8Array();
    throw error;
  });
  return metricRowsFromArrow(bytes);
}

/** Writes `bytes` to `path` through a temporary sibling and a rename. */
export async function writeFileAtomically(path: string, bytes: Uint8Array | string): Promise<void> {
  const temp = `${path}.${randomUUID().slice(0, 8)}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, {force: true});
    throw error;
  }
}

let duckdb: Promise<DuckDBConnection> | null = null;

/** One in-memory DuckDB per process, loaded on first use (the native module costs ~0.5 s to load). */
function connection(): Promise<DuckDBConnection> {
  duckdb ??= import("@duckdb/node-api").then(async ({DuckDBInstance}) => (await DuckDBInstance.create(":memory:", {threads: "1", memory_limit: "256MB"})).connect());
  return duckdb;
}

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Rows → Parquet with native DuckDB (from a temporary JSON Lines file: the paths are ours, the values travel as data). */
export async function writeMetricsParquet(path: string, rows: readonly RunMetricRow[]): Promise<void> {
  const lines = `${path}.${randomUUID().slice(0, 8)}.jsonl`;
  const temp = `${path}.${randomUUID().slice(0, 8)}.tmp`;
  try {
    await writeFile(lines, rows.map((row) => JSON.stringify(Object.fromEntries(Object.keys(METRIC_COLUMNS).map((key) => [key, row[key as keyof RunMetricRow]])))).join("\n") + (rows.length ? "\n" : ""));
    const columns = `{${Object.entries(METRIC_COLUMNS).map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`).join(", ")}}`;
    const source = rows.length
      ? `read_json(${sqlString(lines)}, format = 'newline_delimited', columns = ${columns})`
      : `(SELECT ${Object.entries(METRIC_COLUMNS).map(([name, type]) => `CAST(NULL AS ${type}) AS ${name}`).join(", ")} LIMIT 0)`;
    await (await connection()).run(`COPY (SELECT * FROM ${source}) TO ${sqlString(temp)} (FORMAT parquet)`);
    await rename(temp, path);
  } finally {
    await rm(lines, {force: true});
    await rm(temp, {force: true});
  }
}
