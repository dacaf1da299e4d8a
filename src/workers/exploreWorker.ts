/**
 * The Datasets page's upload worker: parses one file with the engine's readers' rules, keeps its records, detects the
 * format, converts the records with the same adapters, eval draw and canonical table as `dschat-studio convert`, and
 * builds train.json/eval.json for the rows a filter keeps, byte for byte as `convert --recipe` writes them. The main
 * thread stays free: it only receives the canonical table as an Arrow stream and the counts.
 */
import {Bool, Int32, Table, tableToIPC, Utf8, vectorFromArray, type DataType} from "npm:apache-arrow";
import type {LocalJsonRow} from "../core/canonical.js";
import {toWorkerFailure, UserError} from "../core/contract/userError.js";
import {detectFormat, localJsonDeviation, resolveAdapter, UNKNOWN_FORMAT, type Detection} from "../core/formats/index.js";
import {CANONICAL_COLUMN_NAMES, CANONICAL_TABLE_COLUMNS, canonicalTableRow, type CanonicalTableRow} from "../core/recipe/canonicalTable.js";
import {ColumnStatsCollector} from "../core/recipe/columnStats.js";
import {localJsonText, splitTrainEval} from "../core/recipe/localJsonOutput.js";
import {DETECTION_SAMPLE_SIZE, type RecordItem} from "../core/records/recordItem.js";
import {splitFromPath} from "../core/records/sourceSplit.js";
import {createEvalSelector} from "../core/split/evalSplit.js";
import type {Converted, ExploreReply, ExploreRequest, Opened, Outputs} from "./exploreProtocol.js";
import {readUpload, sha256Hex, sniffUpload} from "./readUpload.js";

interface Session {
  name: string;
  items: RecordItem[];
  sample: unknown[];
}

interface Conversion {
  /** Converted rows in conversion order: id, train.json strings and drawn side. */
  rows: Array<{id: string; local: LocalJsonRow; eval: boolean}>;
}

let session: Session | null = null;
let conversion: Conversion | null = null;

const post = (reply: ExploreReply, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(reply, transfer);

self.onmessage = async (event: MessageEvent<ExploreRequest>) => {
  const request = event.data;
  try {
    if (request.type === "open") {
      const result = await open(request.file, request.name, (progress) => post({id: request.id, type: "progress", progress}));
      post({id: request.id, type: "opened", result});
    } else if (request.type === "convert") {
      const result = convert(request.format, request.map, request.evalRatio, request.seed);
      post({id: request.id, type: "converted", result}, [result.arrow.buffer]);
    } else {
      post({id: request.id, type: "outputs", result: outputs(request.kept, request.evalRatio)});
    }
  } catch (error) {
    post({id: request.id, type: "error", error: toWorkerFailure(error)});
  }
};

async function open(file: Blob, name: string, onProgress: (progress: {bytesDone: number; bytesTotal: number; rows: number}) => void): Promise<Opened> {
  const started = performance.now();
  session = null;
  conversion = null;
  const sniff = await sniffUpload(file, name);
  const items: RecordItem[] = [];
  const sample: unknown[] = [];
  const columns = new ColumnStatsCollector();
  const unparsableExamples: Opened["unparsableExamples"] = [];
  let unparsable = 0;
  let bytesDone = 0;
  let lastReport = 0;
  const hashing = sha256Hex(file);
  for await (const batch of readUpload(file, name, sniff, (bytes) => (bytesDone += bytes))) {
    for (const item of batch) {
      items.push(item);
      if ("failure" in item) {
        unparsable++;
        if (unparsableExamples.length < 5) unparsableExamples.push({row: item.row, reason: item.failure});
        continue;
      }
      if (sample.length < DETECTION_SAMPLE_SIZE) sample.push(item.value);
      columns.add(item.value);
    }
    const now = performance.now();
    if (now - lastReport > 100) {
      lastReport = now;
      onProgress({bytesDone, bytesTotal: file.size, rows: items.length});
    }
  }
  onProgress({bytesDone: file.size, bytesTotal: file.size, rows: items.length});
  if (items.length === 0) throw new UserError("holds no records: nothing to convert", {where: {file: name}, fix: "Pass a file that holds records."});
  let detection: Detection | null = null;
  let detectionError: Opened["detectionError"] = null;
  try {
    detection = detectFormat(sample);
  } catch (error) {
    if (!(error instanceof UserError && error.code === UNKNOWN_FORMAT)) throw error;
    detectionError = {message: error.what, columns: (error.details.columns as string[]) ?? []};
  }
  session = {name, items, sample};
  return {
    name,
    bytes: file.size,
    sha256: await hashing,
    kind: sniff.kind,
    gzip: sniff.gzip,
    rows: items.length,
    unparsable,
    unparsableExamples,
    columns: columns.result(),
    detection,
    detectionError,
    examples: items.filter((item): item is Extract<RecordItem, {value: unknown}> => "value" in item).slice(0, 3).map((item) => ({row: item.row, value: item.value})),
    seconds: (performance.now() - started) / 1000
  };
}

const ARROW_TYPES: Record<string, () => DataType> = {VARCHAR: () => new Utf8(), INTEGER: () => new Int32(), BOOLEAN: () => new Bool()};

/** Every record through the adapter, as `convertBatch` does for one file: rejects counted, rows drawn into eval by (seed, id). */
function convert(format: string | null, map: string | null, evalRatio: number, seed: number): Converted {
  if (!session) throw new Error("convert before open");
  const started = performance.now();
  const {name, items, sample} = session;
  const {adapter} = resolveAdapter(map !== null ? {map} : format !== null ? {format} : {}, sample);
  const split = splitFromPath(name);
  const inEval = createEvalSelector(seed, evalRatio);
  const columns: Record<string, unknown[]> = Object.fromEntries(CANONICAL_COLUMN_NAMES.map((column) => [column, []]));
  const rows: Conversion["rows"] = [];
  const rejects: Converted["rejects"] = [];
  const deviations = new Map<string, {rows: number; firstId: string; summary: string}>();
  let rejected = 0;
  for (const item of items) {
    if ("failure" in item) {
      rejected++;
      continue;
    }
    const result = adapter.convert(item.value, {source: name, row: item.row, split});
    if ("reject" in result) {
      rejected++;
      if (rejects.length < 20) rejects.push({row: item.row, reason: result.reject.reason});
      continue;
    }
    const side = inEval(result.ok.id);
    const tableRow: CanonicalTableRow = canonicalTableRow(result.ok, side);
    for (const column of CANONICAL_COLUMN_NAMES) columns[column].push(tableRow[column]);
    rows.push({id: tableRow.id, local: {prompt: tableRow.prompt, chosen: tableRow.chosen, rejected: tableRow.rejected}, eval: side});
    const deviation = localJsonDeviation(result.ok);
    if (deviation) {
      const kind = deviation.deviations.map((d) => d.method).join(",");
      const seen = deviations.get(kind);
      if (seen) seen.rows++;
      else deviations.set(kind, {rows: 1, firstId: result.ok.id, summary: deviation.summary});
    }
  }
  conversion = {rows};
  const table = new Table(Object.fromEntries(CANONICAL_COLUMN_NAMES.map((column) => [column, vectorFromArray(columns[column], ARROW_TYPES[CANONICAL_TABLE_COLUMNS[column].type]())])));
  return {
    format: adapter.name,
    formatTitle: adapter.title,
    converted: rows.length,
    rejected,
    rejects,
    deviations: [...deviations.values()],
    arrow: tableToIPC(table, "stream"),
    seconds: (performance.now() - started) / 1000
  };
}

/** train.json and eval.json of the kept rows: conversion order, the drawn sides, then convert's empty-eval rule. */
function outputs(kept: string[] | null, evalRatio: number): Outputs {
  if (!conversion) throw new Error("outputs before convert");
  const keep = kept === null ? null : new Set(kept);
  const sided = conversion.rows.filter((row) => keep === null || keep.has(row.id)).map((row) => ({row, eval: row.eval}));
  const {train, eval: evaluation, moved} = splitTrainEval(sided, {splitMethod: "seeded", evalRatio});
  return {
    train: localJsonText(train.map((row) => row.local)),
    eval: localJsonText(evaluation.map((row) => row.local)),
    trainRows: train.length,
    evalRows: evaluation.length,
    moved: moved?.id ?? null
  };
}
