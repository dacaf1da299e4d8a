import type {DsChatStrings, LocalJsonRow, Phase} from "../../src/core/canonical.js";
import {forcedAdapter, toLocalJsonRow, type Detection} from "../../src/core/formats/index.js";
import {boundedJson} from "../../src/core/contract/boundedJson.js";
import {expandInputs, type InputFile} from "./inputs.js";
import {chooseAdapter, readAllBatches} from "./sampleInputs.js";
import type {FileKind} from "./readers/recordItem.js";

export const EXAMPLE_COUNT = 3;

export interface InspectOptions {
  paths: readonly string[];
  format?: string | null;
  map?: string | null;
  cwd?: string;
  /** Stop after the sample instead of counting every row (for quick looks at huge inputs). */
  countRows?: boolean;
}

export interface ColumnInfo {
  name: string;
  /** Sampled records that have the key. */
  present: number;
  /** JSON types seen: "string", "number", "boolean", "null", "array", "object". */
  types: string[];
}

export interface InspectExample {
  source: string;
  row: number;
  raw: unknown;
  /** The train.json row this record becomes, or null when it is rejected. */
  localJson: LocalJsonRow | null;
  /** What DS-Chat's methods return for it under the chosen format. */
  dschat: DsChatStrings | null;
  phases: Phase[];
  reject: string | null;
}

export interface InspectReport {
  inputs: Array<{source: string; kind: FileKind; gzip: boolean; bytes: number; split: string | null}>;
  format: string;
  formatTitle: string;
  chosenBy: "detection" | "--format" | "--map";
  detection: Detection | null;
  /** Records in all inputs (parsed or not); null when countRows is false. */
  rows: number | null;
  /** Records that are not valid JSON / CSV rows; null when not counted. */
  unparsableRows: number | null;
  sampleSize: number;
  columns: ColumnInfo[];
  examples: InspectExample[];
}

/**
 * What the engine would do with the inputs, without writing anything: the format (detected or forced), the columns of
 * the sample, the row count, and the first records converted next to their raw form.
 */
export async function inspectDataset(options: InspectOptions): Promise<InspectReport> {
  const forced = forcedAdapter({format: options.format ?? undefined, map: options.map ?? undefined});
  const inputs: InputFile[] = await expandInputs(options.paths, options.cwd ?? process.cwd());
  const batches = readAllBatches(inputs);
  const {adapter, detection, buffered, sample} = await chooseAdapter(batches, forced, inputs.map((input) => input.source).join(", "));
  const examples: InspectExample[] = [];
  let rows = 0;
  let unparsable = 0;
  for (const {file, items} of buffered) {
    for (const item of items) {
      rows++;
      if ("failure" in item) {
        unparsable++;
        continue;
      }
      if (examples.length >= EXAMPLE_COUNT) continue;
      const result = adapter.convert(item.value, {source: file.source, row: item.row, split: file.split});
      const raw = capDepth(item.value, RAW_MAX_DEPTH);
      examples.push(
        "ok" in result
          ? {source: file.source, row: item.row, raw, localJson: toLocalJsonRow(result.ok), dschat: result.ok.dschat, phases: result.ok.phases, reject: null}
          : {source: file.source, row: item.row, raw, localJson: null, dschat: null, phases: [], reject: result.reject.reason}
      );
    }
  }
  if (options.countRows === false) await batches.return(undefined);
  else {
    for await (const {items} of batches) {
      rows += items.length;
      for (const item of items) if ("failure" in item) unparsable++;
    }
  }
  return {
    inputs: inputs.map(({source, kind, gzip, bytes, split}) => ({source, kind, gzip, bytes, split})),
    format: adapter.name,
    formatTitle: adapter.title,
    chosenBy: options.map ? "--map" : options.format ? "--format" : "detection",
    detection,
    rows: options.countRows === false ? null : rows,
    unparsableRows: options.countRows === false ? null : unparsable,
    sampleSize: sample.length,
    columns: columnsOf(sample),
    examples
  };
}

/** Deeper than this, an example's raw record is shown as an excerpt string (no view or JSON writer recurses further). */
export const RAW_MAX_DEPTH = 32;

/** The record with everything below `depth` levels replaced by its excerpt (a string), so printing it cannot overflow the stack. */
function capDepth(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth === 0) return `${boundedJson(value, 60)} (nested deeper than ${RAW_MAX_DEPTH} levels: cut here)`;
  if (Array.isArray(value)) return value.map((item) => capDepth(item, depth - 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, capDepth(item, depth - 1)]));
}

function columnsOf(sample: readonly unknown[]): ColumnInfo[] {
  const columns = new Map<string, {present: number; types: Set<string>}>();
  for (const record of sample) {
    if (record === null || typeof record !== "object" || Array.isArray(record)) continue;
    for (const [name, value] of Object.entries(record)) {
      let column = columns.get(name);
      if (!column) columns.set(name, (column = {present: 0, types: new Set()}));
      column.present++;
      column.types.add(value === null ? "null" : Array.isArray(value) ? "array" : typeof value);
    }
  }
  return Array.from(columns, ([name, {present, types}]) => ({name, present, types: [...types].sort()}));
}
