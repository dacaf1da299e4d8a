/**
 * The filter in DuckDB-wasm: the canonical table is loaded as `canonical_rows`, the read-only view `rows` exposes its
 * columns, and the validated condition selects ids through that view — the statement `convert --recipe` runs in native
 * DuckDB (keptIdsQuery, src/core/recipe/validateFilter.ts).
 */
import {CANONICAL_TABLE, FILTER_VIEW, filterViewDdl} from "../../core/recipe/canonicalTable.js";
import {keptIdsQuery} from "../../core/recipe/validateFilter.js";

interface Client {
  query(sql: string, params?: unknown[]): Promise<{getChild(name: string): {toArray(): ArrayLike<unknown>} | null; numRows: number}>;
  /** Framework's DuckDBClient keeps its AsyncDuckDB here. */
  _db: {connect(): Promise<{insertArrowTable(table: unknown, options: {name: string; create?: boolean}): Promise<void>; query(sql: string): Promise<unknown>; close(): Promise<void>}>};
}

/**
 * Loads a canonical table into the page's one DuckDB-wasm database (replacing the previous dataset's) and creates the
 * filter view on it. The database is told to read no file and no URL.
 */
export async function loadCanonicalTable(db: Client, table: unknown): Promise<Client> {
  const connection = await db._db.connect();
  try {
    await connection.query("SET enable_external_access = false");
    await connection.query(`DROP VIEW IF EXISTS ${FILTER_VIEW}`);
    await connection.query(`DROP TABLE IF EXISTS ${CANONICAL_TABLE}`);
    await connection.insertArrowTable(table, {name: CANONICAL_TABLE, create: true});
    await connection.query(filterViewDdl());
  } finally {
    await connection.close();
  }
  return db;
}

export interface KeptRows {
  /** The ids the condition keeps; null without a filter (every row). */
  kept: Set<string> | null;
  /** What DuckDB said when it could not run the condition. */
  error: string | null;
  seconds: number;
}

export async function queryKeptRows(db: Client, condition: string | null): Promise<KeptRows> {
  if (condition === null) return {kept: null, error: null, seconds: 0};
  const started = performance.now();
  try {
    const result = await db.query(keptIdsQuery(condition));
    const ids = result.getChild("id")!;
    return {kept: new Set(Array.from(ids.toArray() as ArrayLike<string>)), error: null, seconds: (performance.now() - started) / 1000};
  } catch (error) {
    return {kept: null, error: (error as Error).message, seconds: (performance.now() - started) / 1000};
  }
}
