import type {DsChatStrings, LocalJsonRow, Phase} from "../../src/core/canonical.js";
import {columnKind, columnsRead, forcedAdapter, toLocalJsonRow, type ColumnKind, type Detection, type FormatAdapter, type ReasoningOption} from "../../src/core/formats/index.js";
import {MIXED_FORMAT} from "./convertSummary.js";
import {boundedJson} from "../../src/core/contract/boundedJson.js";
import {expandInputs, type InputFile} from "./inputs.js";
import {readRecords} from "./readers/readRecords.js";
import type {FileKind} from "./readers/recordItem.js";
import {chooseFormats, type FileFormat} from "./sampleInputs.js";

export const EXAMPLE_COUNT = 3;

export interface InspectOptions {
  paths: readonly string[];
  format?: string | null;
  map?: string | null;
  reasoning?: ReasoningOption;
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

export interface InspectInput {
  source: string;
  kind: FileKind;
  gzip: boolean;
  bytes: number;
  split: string | null;
  /** The file's own format; files of one inspection may differ. */
  format: string;
  chosenBy: "detection" | "--format" | "--map" | "no records";
  detection: Detection | null;
  /** Columns of the file's sampled records that its format does not read (convert leaves them out of train.json). */
  unusedColumns: Array<{name: string; present: number; looksLike: ColumnKind}>;
}

export interface InspectReport {
  inputs: InspectInput[];
  /** The format of every input, or "mixed". */
  format: string;
  formatTitle: string;
  chosenBy: "detection" | "--format" | "--map";
  detection: Detection | null;
  /** Records in all inputs (parsed or not); null when countRows is false. */
  rows: number | null;
  /** Records that are not valid JSON / CSV rows; null when not counted. */
  unparsableRows: number | null;
  /** Records sampled, all files together (up to 100 per file). */
  sampleSize: number;
  columns: ColumnInfo[];
  examples: InspectExample[];
}

/**
 * What the engine would do with the inputs, without writing anything: each file's format (detected from its own records,
 * or forced), the columns of the sample and those no format reads, the row count, and the first records converted next
 * to their raw form (the first 3 of the inputs, and the first of every later file whose format differs).
 */
export async function inspectDataset(options: InspectOptions): Promise<InspectReport> {
  const forced = forcedAdapter({format: options.format ?? undefined, map: options.map ?? undefined});
  const chosenBy = options.map ? "--map" : options.format ? "--format" : null;
  const inputs: InputFile[] = await expandInputs(options.paths, options.cwd ?? process.cwd());
  const fileFormats = await chooseFormats(inputs, forced, chosenBy);
  const examples: InspectExample[] = [];
  const shown = new Set<string>();
  for (const {file, adapter, items, chosenBy: how} of fileFormats) {
    const wanted = examples.length < EXAMPLE_COUNT ? EXAMPLE_COUNT - examples.length : how !== "no records" && !shown.has(adapter.name) ? 1 : 0;
    const parsed = items.filter((item) => !("failure" in item)).slice(0, wanted);
    for (const item of parsed) examples.push(example(file, adapter, item.row, (item as {value: unknown}).value, options.reasoning));
    if (parsed.length) shown.add(adapter.name);
  }
  let rows: number | null = null;
  let unparsable: number | null = null;
  if (options.countRows !== false) {
    rows = 0;
    unparsable = 0;
    for (const file of inputs) {
      for await (const items of readRecords(file)) {
        rows += items.length;
        for (const item of items) if ("failure" in item) unparsable++;
      }
    }
  }
  const named = fileFormats.filter((format) => format.chosenBy !== "no records");
  const first = named[0] ?? fileFormats[0];
  const mixed = new Set(named.map((format) => format.adapter.name)).size > 1;
  const sample = fileFormats.flatMap((format) => format.sample);
  return {
    inputs: fileFormats.map(describeInput),
    format: mixed ? MIXED_FORMAT : first.adapter.name,
    formatTitle: mixed ? `Mixed: ${[...new Set(named.map((format) => format.adapter.name))].join(", ")}` : first.adapter.title,
    chosenBy: chosenBy ?? "detection",
    detection: mixed ? null : first.detection,
    rows,
    unparsableRows: unparsable,
    sampleSize: sample.length,
    columns: columnsOf(sample),
    examples
  };
}

function example(file: InputFile, adapter: FormatAdapter, row: number, value: unknown, reasoning: ReasoningOption | undefined): InspectExample {
  const result = adapter.convert(value, {source: file.source, row, split: file.split, reasoning});
  const raw = capDepth(value, RAW_MAX_DEPTH);
  return "ok" in result
    ? {source: file.source, row, raw, localJson: toLocalJsonRow(result.ok), dschat: result.ok.dschat, phases: result.ok.phases, reject: null}
    : {source: file.source, row, raw, localJson: null, dschat: null, phases: [], reject: result.reject.reason};
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

function describeInput({file, adapter, detection, chosenBy, sample}: FileFormat): InspectInput {
  const unused = new Map<string, {present: number; looksLike: ColumnKind}>();
  for (const record of sample) {
    if (record === null || typeof record !== "object" || Array.isArray(record)) continue;
    const values = record as Record<string, unknown>;
    const reads = new Set(columnsRead(adapter, values));
    for (const [name, value] of Object.entries(values)) {
      if (value === null || reads.has(name)) continue;
      const column = unused.get(name);
      if (column) column.present++;
      else unused.set(name, {present: 1, looksLike: columnKind(name, value)});
    }
  }
  return {
    source: file.source,
    kind: file.kind,
    gzip: file.gzip,
    bytes: file.bytes,
    split: file.split,
    format: adapter.name,
    chosenBy,
    detection,
    unusedColumns: [...unused].map(([name, column]) => ({name, ...column}))
  };
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
