import {UserError} from "../../../src/core/contract/userError.js";
import type {ReadOptions, RecordItem} from "./recordItem.js";
import {toPlainJson} from "./toPlainJson.js";

/**
 * Parquet through native DuckDB's streaming reader: chunks of ~2048 rows are fetched one at a time, so memory holds one
 * chunk. Progress is reported as the share of rows read times the file size (Parquet pages are not read in file order).
 */
export async function* readParquet(path: string, {source, bytes, onBytes}: {source: string; bytes: number} & ReadOptions): AsyncGenerator<RecordItem[]> {
  const {DuckDBInstance, JSDuckDBValueConverter} = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:", {threads: "1"});
  const connection = await instance.connect();
  try {
    let totalRows: number;
    let result;
    try {
      const count = await connection.runAndReadAll("SELECT coalesce(sum(num_rows), 0)::DOUBLE AS n FROM parquet_file_metadata($1)", [path]);
      totalRows = Number(count.getRowObjectsJS()[0].n);
      result = await connection.stream("SELECT * FROM read_parquet($1)", [path]);
    } catch (error) {
      throw new UserError(`not a readable Parquet file: ${(error as Error).message}`, {where: {file: source}, fix: "Write the file again with the tool that made it (the file is truncated or not Parquet).", cause: error});
    }
    const columns = result.deduplicatedColumnNames();
    let row = 0;
    let reported = 0;
    for (;;) {
      let chunk;
      try {
        chunk = await result.fetchChunk();
      } catch (error) {
        throw new UserError(`corrupt after row ${row}: ${(error as Error).message}`, {where: {file: source}, fix: "Write the file again with the tool that made it.", cause: error});
      }
      if (!chunk || chunk.rowCount === 0) break;
      const items: RecordItem[] = chunk.convertRows(JSDuckDBValueConverter).map((values) => {
        const record: Record<string, unknown> = {};
        for (let i = 0; i < columns.length; i++) record[columns[i]] = toPlainJson(values[i]);
        return {row: ++row, line: null, value: record};
      });
      const progress = totalRows > 0 ? Math.round((bytes * row) / totalRows) : bytes;
      onBytes?.(progress - reported);
      reported = progress;
      yield items;
    }
    if (reported < bytes) onBytes?.(bytes - reported);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
