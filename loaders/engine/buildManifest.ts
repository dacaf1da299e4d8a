import type {Manifest} from "../../src/core/contract/manifest.js";
import {versioned} from "../../src/core/contract/schemaVersions.js";
import {FORMATS_VERSION, formatReasoningMarkers, type Detection, type ReasoningOption} from "../../src/core/formats/index.js";
import {ENGINE_VERSION} from "./cache.js";
import type {ConvertSummary} from "./convertSummary.js";
import type {InputFile} from "./inputs.js";

export interface ManifestContext {
  inputs: readonly InputFile[];
  hashes: readonly string[];
  options: {format: string | null; map: string | null; evalRatio: number; seed: number; reasoning: ReasoningOption; filter: string | null};
  deviations: ReadonlyArray<{rows: number; firstId: string; summary: string}>;
}

/** The manifest.json of a conversion: what went in (bytes, sha256), how it was read, and every count that came out. */
export function buildManifest(summary: ConvertSummary, {inputs, hashes, options, deviations}: ManifestContext): Manifest {
  return versioned("manifest", {
    tool: "dschat-studio convert",
    engine_version: ENGINE_VERSION,
    formats_version: FORMATS_VERSION,
    inputs: inputs.map((input, i) => {
      const file = summary.inputs[i];
      return {
        source: input.source,
        bytes: input.bytes,
        sha256: hashes[i],
        kind: input.kind,
        gzip: input.gzip,
        split: input.split,
        format: file.format,
        chosen_by: file.chosenBy,
        detection: manifestDetection(file.detection),
        counts: {read: file.read, converted: file.converted, rejected: file.rejected, reasoning_rows: file.reasoningRows},
        unused_columns: file.unusedColumns.map(({name, rows, looksLike, example}) => ({name, rows, looks_like: looksLike, example}))
      };
    }),
    format: {
      name: summary.format,
      title: summary.formatTitle,
      chosen_by: options.map ? "--map" : options.format ? "--format" : "detection",
      detection: manifestDetection(summary.detection),
      map: options.map
    },
    options: {
      format: options.format,
      map: options.map,
      eval_ratio: options.evalRatio,
      seed: options.seed,
      reasoning: {mode: options.reasoning.mode, markers: formatReasoningMarkers(options.reasoning)},
      ...(options.filter !== null ? {filter: options.filter} : {})
    },
    split: {
      method: summary.splitMethod,
      explanation:
        summary.splitMethod === "source"
          ? "eval.json holds the rows of the source's own test/validation/eval files; train.json the rest"
          : `eval.json holds the rows whose hash of (seed ${options.seed}, row id) falls below ${options.evalRatio}; the source has no separate eval split`
    },
    counts: {
      read: summary.rowsRead,
      converted: summary.rowsConverted,
      rejected: summary.rowsRejected,
      ...(options.filter !== null ? {filtered: summary.rowsFiltered} : {}),
      train: summary.trainRows,
      eval: summary.evalRows,
      reasoning_rows: summary.reasoningRows,
      phases: summary.phaseRowsBySplit
    },
    local_jsonfile: {
      layout:
        "train.json and eval.json are JSON Lines, one {prompt, chosen, rejected} object per line (null where the row has no such part); " +
        "DS-Chat loads them with load_dataset('json')",
      deviations: deviations.map(({rows, firstId, summary: text}) => ({rows, first_row: firstId, summary: text}))
    },
    warnings: summary.warnings,
    cache_key: summary.cacheKey
  });
}

/** A detection as the manifest and `inspect --json` state it (an explicit mapping: the internal object is never written as is). */
export function manifestDetection(detection: Detection | null) {
  if (!detection) return null;
  const entry = ({format, confidence, explanation}: {format: string; confidence: number; explanation: string}) => ({format, confidence, explanation});
  return {...entry(detection), alternatives: detection.alternatives.map(entry)};
}
