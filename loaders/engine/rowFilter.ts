/**
 * A recipe's filter in native DuckDB: converted rows are appended to the canonical table (src/core/recipe/
 * canonicalTable.ts) one batch at a time, the filter's condition selects the ids it keeps through the read-only view,
 * and the batch is dropped again, so memory holds one batch whatever the input size. The Datasets page runs the same
 * statement on the same table in DuckDB-wasm. The database is in memory, reads no file and no URL, and holds nothing
 * but that table.
 */
import type {DuckDBAppender, DuckDBConnection, DuckDBInstance} from "@duckdb/node-api";
import {UserError} from "../../src/core/contract/userError.js";
import type {FormatAdapter} from "../../src/core/formats/index.js";
import {CANONICAL_COLUMN_NAMES, CANONICAL_TABLE, CANONICAL_TABLE_COLUMNS, canonicalTableDdl, canonicalTableRow, type CanonicalTableRow} from "../../src/core/recipe/canonicalTable.js";
import type {RecordItem} from "../../src/core/records/recordItem.js";
import {keptIdsQuery} from "../../src/core/recipe/validateFilter.js";

export class RowFilter {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly query: string,
    private readonly condition: string
  ) {}

  /** `condition` must have passed validateFilter. A condition DuckDB cannot bind (a wrong type) fails here, before any input is read. */
  static async open(condition: string): Promise<RowFilter> {
    const {DuckDBInstance} = await import("@duckdb/node-api");
    const instance = await DuckDBInstance.create(":memory:", {threads: "1", memory_limit: "512MB", enable_external_access: "false"});
    const connection = await instance.connect();
    try {
      for (const statement of canonicalTableDdl()) await connection.run(statement);
      const filter = new RowFilter(instance, connection, keptIdsQuery(condition), condition);
      await filter.keptIds([]);
      return filter;
    } catch (error) {
      connection.closeSync();
      instance.closeSync();
      throw error;
    }
  }

  /** The ids among `rows` that the condition keeps. */
  async keptIds(rows: readonly CanonicalTableRow[]): Promise<Set<string>> {
    if (rows.length) {
      const appender = await this.connection.createAppender(CANONICAL_TABLE);
      try {
        for (const row of rows) appendRow(appender, row);
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
    }
    try {
      const result = await this.connection.runAndReadAll(this.query);
      return new Set(result.getColumnsJS()[0]?.map(String) ?? []);
    } catch (error) {
      throw new UserError(`DuckDB cannot evaluate the filter ${JSON.stringify(this.condition)}: ${(error as Error).message}`, {
        where: {field: "filter"},
        fix: "Correct the condition (the Datasets page shows the same error as you type).",
        code: "bad-filter",
        cause: error
      });
    } finally {
      if (rows.length) await this.connection.run(`DELETE FROM ${CANONICAL_TABLE}`);
    }
  }

  /** Converts a batch of records (as convertBatch will) and returns the ids of the rows the condition keeps. */
  async keptIdsOf(items: readonly RecordItem[], {source, split, adapter, inEval}: {source: string; split: string | null; adapter: FormatAdapter; inEval: (id: string) => boolean}): Promise<Set<string>> {
    const rows: CanonicalTableRow[] = [];
    for (const item of items) {
      if ("failure" in item) continue;
      const result = adapter.convert(item.value, {source, row: item.row, split});
      if ("ok" in result) rows.push(canonicalTableRow(result.ok, inEval(result.ok.id)));
    }
    return this.keptIds(rows);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function appendRow(appender: DuckDBAppender, row: CanonicalTableRow): void {
  for (const name of CANONICAL_COLUMN_NAMES) {
    const value = row[name];
    if (value === null) appender.appendNull();
    else if (CANONICAL_TABLE_COLUMNS[name].type === "VARCHAR") appender.appendVarchar(value as string);
    else if (CANONICAL_TABLE_COLUMNS[name].type === "INTEGER") appender.appendInteger(value as number);
    else appender.appendBoolean(value as boolean);
  }
  appender.endRow();
}
