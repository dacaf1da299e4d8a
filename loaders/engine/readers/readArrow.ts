import {open} from "node:fs/promises";
import {RecordBatchReader} from "apache-arrow";
import {UserError} from "../../../src/core/contract/userError.js";
import type {ReadOptions, RecordItem} from "./recordItem.js";
import {toPlainJson} from "./toPlainJson.js";
import {READ_FLAGS} from "../../fs/regularFile.js";

/**
 * Arrow IPC, file or stream format (Hugging Face `save_to_disk` shards are streams), read batch by batch with
 * apache-arrow; native DuckDB has no built-in Arrow IPC reader.
 */
export async function* readArrow(path: string, {source, bytes, onBytes}: {source: string; bytes: number} & ReadOptions): AsyncGenerator<RecordItem[]> {
  const handle = await open(path, READ_FLAGS);
  let row = 0;
  let reported = 0;
  try {
    let reader;
    try {
      reader = await RecordBatchReader.from(handle);
      await reader.open();
    } catch (error) {
      throw new UserError(`not a readable Arrow IPC file: ${(error as Error).message}`, {where: {file: source}, fix: "Write the file again with the tool that made it (the file is truncated or not Arrow IPC).", cause: error});
    }
    const iterator = reader[Symbol.asyncIterator]();
    for (;;) {
      let next;
      try {
        next = await iterator.next();
      } catch (error) {
        throw new UserError(`corrupt after row ${row}: ${(error as Error).message}`, {where: {file: source}, fix: "Write the file again with the tool that made it.", cause: error});
      }
      if (next.done) break;
      const batch = next.value;
      const items: RecordItem[] = [];
      for (let i = 0; i < batch.numRows; i++) items.push({row: ++row, line: null, value: toPlainJson(batch.get(i))});
      // A batch's buffers are about its share of the file, which is close enough for a progress bar.
      const progress = Math.min(bytes, reported + batch.data.byteLength);
      onBytes?.(progress - reported);
      reported = progress;
      if (items.length) yield items;
    }
    if (reported < bytes) onBytes?.(bytes - reported);
  } finally {
    await handle.close();
  }
}
