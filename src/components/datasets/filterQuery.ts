/**
 * The page's SQL, in DuckDB-wasm: the canonical table is loaded as `canonical_rows`, the read-only view `rows` exposes
 * its columns, and a validated filter condition runs on that view — the statement `convert --recipe` runs in native
 * DuckDB (keptIdsQuery, src/core/recipe/validateFilter.ts). Brushed length ranges are bound parameters.
 */
import {CANONICAL_TABLE, FILTER_VIEW, filterViewDdl} from "../../core/recipe/canonicalTable.js";
import {keptIdsQuery} from "../../core/recipe/validateFilter.js";
import {SIDES, type LengthBrush} from "./lengthHistograms.js";
import type {PreviewRow} from "../../workers/exploreProtocol.js";

type ArrowResult = {getChild(name: string): {toArray(): ArrayLike<unknown>; get(index: number): unknown} | null; numRows: number};

export interface Client {
  query(sql: string, params?: unknown[]): Promise<ArrowResult>;
  /** Framework's DuckDBClient keeps its AsyncDuckDB here. */
  _db: {connect(): Promise<{insertArrowFromIPCStream(buffer: Uint8Array, options: {name: string; create?: boolean}): Promise<void>; query(sql: string): Promise<unknown>; close(): Promise<void>}>};
}

/**
 * Loads a canonical table (Arrow IPC stream) into the page's one DuckDB-wasm database, replacing the previous
 * dataset's, and creates the filter view on it. The database is told to read no file and no URL.
 */
export async function loadCanonicalTable(db: Client, arrow: Uint8Array): Promise<Client> {
  const connection = await db._db.connect();
  try {
    await connection.query("SET enable_external_access = false");
    await connection.query(`DROP VIEW IF EXISTS ${FILTER_VIEW}`);
    await connection.query(`DROP TABLE IF EXISTS ${CANONICAL_TABLE}`);
    await connection.insertArrowFromIPCStream(arrow, {name: CANONICAL_TABLE, create: true});
    await connection.query(filterViewDdl());
  } finally {
    await connection.close();
  }
  return db;
}

/**
 * The ids a filter keeps, still as Arrow's UTF-8 bytes and offsets: the upload worker decodes them, so the page's main
 * thread never touches 100,000 strings.
 */
export interface EncodedIds {
  count: number;
  offsets: Int32Array;
  bytes: Uint8Array;
}

export interface KeptRows {
  /** The ids the condition keeps, in table order; null without a filter (every row). */
  kept: EncodedIds | null;
  /** What DuckDB said when it could not run the condition. */
  error: string | null;
}

interface Utf8Chunk {
  offset: number;
  length: number;
  valueOffsets: Int32Array;
  values: Uint8Array;
}

function encodedIds(chunks: readonly Utf8Chunk[]): EncodedIds {
  const count = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const size = chunks.reduce((sum, {offset, length, valueOffsets}) => sum + (valueOffsets[offset + length] - valueOffsets[offset]), 0);
  const offsets = new Int32Array(count + 1);
  const bytes = new Uint8Array(size);
  let row = 0, at = 0;
  for (const {offset, length, valueOffsets, values} of chunks) {
    const start = valueOffsets[offset];
    bytes.set(values.subarray(start, valueOffsets[offset + length]), at);
    for (let i = 1; i <= length; i++) offsets[row + i] = at + valueOffsets[offset + i] - start;
    row += length;
    at += valueOffsets[offset + length] - start;
  }
  return {count, offsets, bytes};
}

export async function queryKeptRows(db: Client, condition: string | null): Promise<KeptRows> {
  if (condition === null) return {kept: null, error: null};
  try {
    const result = await db.query(keptIdsQuery(condition));
    const column = result.getChild("id") as unknown as {data: Utf8Chunk[]};
    return {kept: encodedIds(column.data), error: null};
  } catch (error) {
    return {kept: null, error: (error as Error).message};
  }
}

const where = (condition: string | null) => (condition === null ? "TRUE" : `(${condition})`);

/** String lengths per side of every filtered row, aligned row by row, -1 where the side is null. */
export type AlignedLengths = Record<(typeof SIDES)[number], Int32Array>;

/**
 * What the histograms and the count need, without a value per row: per side, each string length that occurs (-1 =
 * the side is null) and how many rows have it.
 */
export interface LengthCounts {
  rows: number;
  sides: Record<(typeof SIDES)[number], {lengths: Int32Array; rows: Int32Array}>;
}

/** The same counts from lengths held row by row (the worker's conversion, before any query). */
export function countLengths(aligned: AlignedLengths): LengthCounts {
  const sides = {} as LengthCounts["sides"];
  for (const side of SIDES) {
    const counts = new Map<number, number>();
    for (const length of aligned[side]) counts.set(length, (counts.get(length) ?? 0) + 1);
    sides[side] = {lengths: Int32Array.from(counts.keys()), rows: Int32Array.from(counts.values())};
  }
  return {rows: aligned.prompt.length, sides};
}

/**
 * The filtered rows' length counts in one aggregate query (one scan, a few thousand groups back instead of a value per
 * row): DuckDB-wasm does the counting, the page only draws.
 */
export async function queryLengths(db: Client, condition: string | null): Promise<LengthCounts> {
  const lengths = SIDES.map((side) => `coalesce(${side}_chars, -1) AS ${side}_length`).join(", ");
  const result = await db.query(`SELECT ${lengths}, count(*)::INTEGER AS n FROM ${FILTER_VIEW} WHERE ${where(condition)} GROUP BY GROUPING SETS (${SIDES.map((side) => `(${side}_length)`).join(", ")})`);
  const n = result.getChild("n")!.toArray() as Int32Array;
  const sides = {} as LengthCounts["sides"];
  for (const side of SIDES) {
    const column = result.getChild(`${side}_length`)!;
    const lengths: number[] = [];
    const rows: number[] = [];
    // A row of the other grouping sets has null here.
    for (let i = 0; i < result.numRows; i++) {
      const length = column.get(i) as number | null;
      if (length !== null) lengths.push(length), rows.push(n[i]);
    }
    sides[side] = {lengths: Int32Array.from(lengths), rows: Int32Array.from(rows)};
  }
  return {rows: sides.prompt.rows.reduce((sum, count) => sum + count, 0), sides};
}

const brushedRanges = (brush: LengthBrush, params: number[]) =>
  SIDES.filter((side) => brush[side]).map((side) => {
    params.push(...brush[side]!);
    return `${side}_chars BETWEEN ? AND ?`;
  });

/** Rows of the filter whose lengths fall in every brushed range (without a brush, the filter's count). */
export async function countBrushed(db: Client | null, condition: string | null, counts: LengthCounts, brush: LengthBrush): Promise<number> {
  const params: number[] = [];
  const ranges = brushedRanges(brush, params);
  if (!ranges.length || db === null) return counts.rows;
  const result = await db.query(`SELECT count(*)::INTEGER AS n FROM ${FILTER_VIEW} WHERE ${[where(condition), ...ranges].join(" AND ")}`, params);
  return result.getChild("n")!.get(0) as number;
}

export type PreviewRows = PreviewRow[];

/** The first `limit` filtered rows in the brushed ranges (DuckDB keeps insertion order without ORDER BY: conversion order). */
export async function queryPreview(db: Client, condition: string | null, brush: LengthBrush, limit = 10): Promise<PreviewRows> {
  const params: number[] = [];
  const ranges = brushedRanges(brush, params);
  const rows = await db.query(`SELECT id, eval, prompt, chosen, rejected FROM ${FILTER_VIEW} WHERE ${[where(condition), ...ranges].join(" AND ")} LIMIT ${limit}`, params);
  const column = (name: string) => rows.getChild(name)!;
  return Array.from({length: rows.numRows}, (_, i) => ({
    id: column("id").get(i) as string,
    eval: column("eval").get(i) === true,
    prompt: (column("prompt").get(i) as string | null) ?? null,
    chosen: (column("chosen").get(i) as string | null) ?? null,
    rejected: (column("rejected").get(i) as string | null) ?? null
  }));
}
