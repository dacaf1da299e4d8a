/**
 * `manifest.json`, the record `dschat-studio convert` writes beside train.json and eval.json (and into each cache entry):
 * what went in, how it was read, and every count that came out. One type, one reader: the Datasets list, `plan --data`,
 * `lint` and the page loaders all read a manifest through `parseManifest`. Schema: schemas/manifest.schema.json.
 * Isomorphic: no Node or DOM imports.
 */
import {checkKeys, checkSchemaVersion, readArray, readBoolean, readChoice, readNumber, readObject, readString} from "./jsonFields.js";
import {SCHEMA_VERSIONS} from "./schemaVersions.js";

export const MANIFEST_FILE = "manifest.json";

/** Rows per DS-Chat phase ("1" SFT, "2" reward model, "3" PPO prompts). */
export type PhaseCounts = Record<"1" | "2" | "3", number>;

export interface ManifestInput {
  source: string;
  bytes: number;
  sha256: string;
  kind: string;
  gzip: boolean;
  split: string | null;
  /** The file's own format (files of one conversion may differ), how it was chosen, and what detection found in it. */
  format: string;
  chosen_by: "detection" | "--format" | "--map" | "no records";
  detection: ManifestDetection | null;
  counts: {read: number; converted: number; rejected: number; reasoning_rows: number};
  /** Columns of the file that its format does not read, so they are not in train.json. */
  unused_columns: ManifestUnusedColumn[];
}

export interface ManifestUnusedColumn {
  name: string;
  /** Records with a value (not null) in the column. */
  rows: number;
  looks_like: "media" | "tools" | "metadata" | "text" | "other";
  example: string;
}

export interface ManifestDetection {
  format: string;
  confidence: number;
  explanation: string;
  alternatives: Array<{format: string; confidence: number; explanation: string}>;
}

export interface Manifest {
  schema_version: (typeof SCHEMA_VERSIONS)["manifest"];
  tool: "dschat-studio convert";
  engine_version: string;
  formats_version: string;
  inputs: ManifestInput[];
  format: {name: string; title: string; chosen_by: "detection" | "--format" | "--map"; detection: ManifestDetection | null; map: string | null};
  /** `filter`: a recipe's WHERE condition (`convert --recipe`), present only when one was applied. */
  options: {format: string | null; map: string | null; eval_ratio: number; seed: number; reasoning: {mode: "inline" | "drop"; markers: string}; filter?: string};
  split: {method: "source" | "seeded"; explanation: string};
  /** `filtered`: rows the filter left out (read = converted + rejected + filtered), present only with a filter. */
  counts: {read: number; converted: number; rejected: number; filtered?: number; train: number; eval: number; reasoning_rows: number; phases: {train: PhaseCounts; eval: PhaseCounts}};
  local_jsonfile: {layout: string; deviations: Array<{rows: number; first_row: string; summary: string}>};
  warnings: string[];
  cache_key: string;
}

const FIX = "Run 'dschat-studio convert' again to rewrite it (or delete manifest.json: train.json and eval.json do not need it).";
const KEYS = ["schema_version", "tool", "engine_version", "formats_version", "inputs", "format", "options", "split", "counts", "local_jsonfile", "warnings", "cache_key"];

const count = (value: unknown, field: string) => readNumber(value, field, FIX, {integer: true, min: 0});
const nullableString = (value: unknown, field: string) => (value === null ? null : readString(value, field, FIX));

/** Rows per phase `{"1", "2", "3"}` (also read in plan.json's dataset record, whose errors carry its own fix). */
export function phaseCounts(value: unknown, field: string, fix: string = FIX): PhaseCounts {
  const object = readObject(value, field, fix);
  const rows = (phase: "1" | "2" | "3") => readNumber(object[phase], `${field}.${phase}`, fix, {integer: true, min: 0});
  return {"1": rows("1"), "2": rows("2"), "3": rows("3")};
}

function detection(value: unknown, field: string): ManifestDetection | null {
  if (value === null) return null;
  const object = readObject(value, field, FIX);
  const alternative = (item: unknown, at: string) => {
    const entry = readObject(item, at, FIX);
    return {format: readString(entry.format, `${at}.format`, FIX), confidence: readNumber(entry.confidence, `${at}.confidence`, FIX), explanation: readString(entry.explanation, `${at}.explanation`, FIX, {allowEmpty: true})};
  };
  return {
    ...alternative(object, field),
    alternatives: readArray(object.alternatives, `${field}.alternatives`, FIX).map((item, i) => alternative(item, `${field}.alternatives[${i}]`))
  };
}

/** Checks an untrusted manifest.json value against the contract; the caller adds the file to the error's location. */
export function parseManifest(json: unknown): Manifest {
  const manifest = readObject(json, "manifest", FIX);
  checkSchemaVersion(manifest, SCHEMA_VERSIONS.manifest, "manifest.json", FIX);
  checkKeys(manifest, KEYS, "manifest", FIX);
  const format = readObject(manifest.format, "format", FIX);
  const options = readObject(manifest.options, "options", FIX);
  const split = readObject(manifest.split, "split", FIX);
  const counts = readObject(manifest.counts, "counts", FIX);
  const phases = readObject(counts.phases, "counts.phases", FIX);
  const local = readObject(manifest.local_jsonfile, "local_jsonfile", FIX);
  return {
    schema_version: SCHEMA_VERSIONS.manifest,
    tool: "dschat-studio convert",
    engine_version: readString(manifest.engine_version, "engine_version", FIX),
    formats_version: readString(manifest.formats_version, "formats_version", FIX),
    inputs: readArray(manifest.inputs, "inputs", FIX).map((item, i) => {
      const input = readObject(item, `inputs[${i}]`, FIX);
      const at = `inputs[${i}]`;
      const counts = readObject(input.counts, `${at}.counts`, FIX);
      return {
        source: readString(input.source, `${at}.source`, FIX),
        bytes: count(input.bytes, `${at}.bytes`),
        sha256: readString(input.sha256, `${at}.sha256`, FIX),
        kind: readString(input.kind, `${at}.kind`, FIX),
        gzip: readBoolean(input.gzip, `${at}.gzip`, FIX),
        split: nullableString(input.split, `${at}.split`),
        format: readString(input.format, `${at}.format`, FIX),
        chosen_by: readChoice(input.chosen_by, `${at}.chosen_by`, FIX, ["detection", "--format", "--map", "no records"] as const),
        detection: detection(input.detection, `${at}.detection`),
        counts: {
          read: count(counts.read, `${at}.counts.read`),
          converted: count(counts.converted, `${at}.counts.converted`),
          rejected: count(counts.rejected, `${at}.counts.rejected`),
          reasoning_rows: count(counts.reasoning_rows, `${at}.counts.reasoning_rows`)
        },
        unused_columns: readArray(input.unused_columns, `${at}.unused_columns`, FIX).map((entry, j) => {
          const column = readObject(entry, `${at}.unused_columns[${j}]`, FIX);
          const field = `${at}.unused_columns[${j}]`;
          return {
            name: readString(column.name, `${field}.name`, FIX, {allowEmpty: true}),
            rows: count(column.rows, `${field}.rows`),
            looks_like: readChoice(column.looks_like, `${field}.looks_like`, FIX, ["media", "tools", "metadata", "text", "other"] as const),
            example: readString(column.example, `${field}.example`, FIX, {allowEmpty: true})
          };
        })
      };
    }),
    format: {
      name: readString(format.name, "format.name", FIX),
      title: readString(format.title, "format.title", FIX),
      chosen_by: readChoice(format.chosen_by, "format.chosen_by", FIX, ["detection", "--format", "--map"] as const),
      detection: detection(format.detection, "format.detection"),
      map: nullableString(format.map, "format.map")
    },
    options: {
      format: nullableString(options.format, "options.format"),
      map: nullableString(options.map, "options.map"),
      eval_ratio: readNumber(options.eval_ratio, "options.eval_ratio", FIX, {min: 0}),
      seed: count(options.seed, "options.seed"),
      reasoning: (() => {
        const reasoning = readObject(options.reasoning, "options.reasoning", FIX);
        return {mode: readChoice(reasoning.mode, "options.reasoning.mode", FIX, ["inline", "drop"] as const), markers: readString(reasoning.markers, "options.reasoning.markers", FIX)};
      })(),
      ...(options.filter !== undefined ? {filter: readString(options.filter, "options.filter", FIX)} : {})
    },
    split: {method: readChoice(split.method, "split.method", FIX, ["source", "seeded"] as const), explanation: readString(split.explanation, "split.explanation", FIX)},
    counts: {
      read: count(counts.read, "counts.read"),
      converted: count(counts.converted, "counts.converted"),
      rejected: count(counts.rejected, "counts.rejected"),
      ...(counts.filtered !== undefined ? {filtered: count(counts.filtered, "counts.filtered")} : {}),
      train: count(counts.train, "counts.train"),
      eval: count(counts.eval, "counts.eval"),
      reasoning_rows: count(counts.reasoning_rows, "counts.reasoning_rows"),
      phases: {train: phaseCounts(phases.train, "counts.phases.train"), eval: phaseCounts(phases.eval, "counts.phases.eval")}
    },
    local_jsonfile: {
      layout: readString(local.layout, "local_jsonfile.layout", FIX),
      deviations: readArray(local.deviations, "local_jsonfile.deviations", FIX).map((item, i) => {
        const deviation = readObject(item, `local_jsonfile.deviations[${i}]`, FIX);
        return {
          rows: count(deviation.rows, `local_jsonfile.deviations[${i}].rows`),
          first_row: readString(deviation.first_row, `local_jsonfile.deviations[${i}].first_row`, FIX),
          summary: readString(deviation.summary, `local_jsonfile.deviations[${i}].summary`, FIX)
        };
      })
    },
    warnings: readArray(manifest.warnings, "warnings", FIX).map((item, i) => readString(item, `warnings[${i}]`, FIX)),
    cache_key: readString(manifest.cache_key, "cache_key", FIX)
  };
}
