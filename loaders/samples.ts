import {DuckDBInstance} from "@duckdb/node-api";
import {tableFromArrays, tableToIPC} from "apache-arrow";
import {fileURLToPath} from "node:url";

/** A real dataset shipped in `data/samples/`, with what a user must know before reading it. */
export interface Sample {
  name: string;
  title: string;
  path: string;
  licence: string;
  attribution: string;
  contentWarning: string | null;
}

export const samples: Record<string, Sample> = {
  "hh-rlhf-harmless-base": {
    name: "hh-rlhf-harmless-base",
    title: "Anthropic hh-rlhf, harmless-base test split",
    path: fileURLToPath(new URL("../data/samples/hh-rlhf-harmless-base/test.jsonl.gz", import.meta.url)),
    licence: "MIT",
    attribution: "anthropics/hh-rlhf (Bai et al. 2022, arXiv:2204.05862)",
    contentWarning:
      "Red-team data: contains offensive, harmful and upsetting text by design. It is shown because it is the real shape of DS-Chat step-2 preference data."
  }
};

export function getSample(name: string): Sample {
  const sample = samples[name];
  if (!sample) throw new Error(`unknown sample '${name}'; shipped samples: ${Object.keys(samples).join(", ")}`);
  return sample;
}

/**
 * The sample's preference pairs as an Arrow IPC stream (the only Arrow form duckdb-wasm's `sql` front matter and
 * `DuckDBClient` read offline). Columns: id, chosen, rejected, chosen_chars, rejected_chars.
 */
export async function sampleArrowStream(name: string): Promise<Uint8Array> {
  const sample = getSample(name);
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT row_number() OVER () AS id, chosen, rejected, length(chosen) AS chosen_chars, length(rejected) AS rejected_chars
       FROM read_json($path, format = 'newline_delimited', columns = {chosen: 'VARCHAR', rejected: 'VARCHAR'})`,
      {path: sample.path}
    );
    const columns = reader.getColumnsObjectJS();
    const table = tableFromArrays({
      id: Int32Array.from(columns.id as bigint[], Number),
      chosen: columns.chosen as string[],
      rejected: columns.rejected as string[],
      chosen_chars: Int32Array.from(columns.chosen_chars as bigint[], Number),
      rejected_chars: Int32Array.from(columns.rejected_chars as bigint[], Number)
    });
    return tableToIPC(table, "stream");
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
