/**
 * The Datasets page's upload worker: parses one file with the engine's readers' rules, keeps its records, detects the
 * format and converts the records with the same adapters, eval draw and canonical table as `dschat-studio convert`;
 * or adopts the canonical rows of a dataset the CLI converted. It then answers the analyses over every row
 * (analysis.ts) and builds train.json/eval.json for the rows a filter keeps, byte for byte as `convert --recipe`.
 * The page's main thread only queries DuckDB-wasm (itself in a worker) and draws.
 */
import {Table, tableFromIPC, tableToIPC} from "npm:apache-arrow";
import {toWorkerFailure, UserError} from "../core/contract/userError.js";
import {detectFormat, localJsonDeviation, resolveAdapter, toLocalJsonRow, UNKNOWN_FORMAT, type Detection} from "../core/formats/index.js";
import {invalidText} from "../core/recipe/localJsonOutput.js";
import type {Manifest} from "../core/contract/manifest.js";
import {CANONICAL_COLUMN_NAMES, CANONICAL_TABLE_COLUMNS, canonicalTableRow, type CanonicalTableRow} from "../core/recipe/canonicalTable.js";
import {ColumnStatsCollector, type ColumnStats} from "../core/recipe/columnStats.js";
import {DETECTION_SAMPLE_SIZE, type RecordItem} from "../core/records/recordItem.js";
import {splitFromPath} from "../core/records/sourceSplit.js";
import {createEvalSelector} from "../core/split/evalSplit.js";
import {analyze, outputs, tokenAnalysis, type RowStore} from "./analysis.js";
import {boolVector, int32Vector, utf8Vector} from "./arrowColumns.js";
import type {FileSniff} from "../core/records/classifyFile.js";
import type {Converted, ExploreReply, ExploreRequest, Opened, ReadTotals} from "./exploreProtocol.js";
import {readUpload, sha256Hex, sniffUpload} from "./readUpload.js";

interface Session {
  name: string;
  file: Blob;
  /** The records read so far, in file order (every record once `reading.done`). */
  items: RecordItem[];
  sample: unknown[];
  sha256: string | null;
  columns: ColumnStats[] | null;
  /** The canonical table's columns of the last conversion, for `arrow`. */
  canonical: CanonicalColumns | null;
  reading: Reading;
}

/** The file is read while the page already shows its first rows: this is how far the reading got. */
interface Reading {
  done: boolean;
  /** Why reading stopped before the end of the file (a parse error of the whole file, a corrupt gzip stream). */
  error: unknown;
  bytesDone: number;
  unparsable: number;
  unparsableExamples: ReadTotals["unparsableExamples"];
  seconds: number;
  /** Called (and emptied) whenever records are added or reading ends. */
  waiters: Array<() => void>;
  /** Ids of the "read" requests to answer with progress and, at the end, the totals. */
  watchers: number[];
}

type CanonicalColumns = {[K in keyof CanonicalTableRow]: Array<CanonicalTableRow[K]>};

let session: Session | null = null;
let store: RowStore | null = null;
/** Bumped by every open, convert and adopt: a conversion still running for an older one stops, unanswered. */
let generation = 0;
/** Bumped by every analyze: an older analysis stops at its next step, unanswered (the page shows the newest). */
let analyses = 0;

const post = (reply: ExploreReply, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(reply, transfer);
const requireStore = () => {
  if (!store) throw new Error("no dataset converted or adopted yet");
  return store;
};

self.onmessage = async (event: MessageEvent<ExploreRequest>) => {
  const request = event.data;
  const {id} = request;
  try {
    switch (request.type) {
      case "open": {
        const opened = await open(request.file, request.name);
        if (opened) post({id, type: "opened", result: opened});
        break;
      }
      case "read":
        watchReading(id);
        break;
      case "convert": {
        const converted = await convert(request, (partial) => post({id, type: "partial", result: partial}, transferLengths(partial)));
        if (converted) post({id, type: "converted", result: converted}, transferLengths(converted));
        break;
      }
      case "arrow": {
        const arrow = canonicalArrow();
        post({id, type: "arrow", result: arrow}, [arrow.buffer]);
        break;
      }
      case "columns":
        post({id, type: "columns", result: await columnStats()});
        break;
      case "digest":
        if (!session) throw new Error("no file opened");
        session.sha256 ??= await sha256Hex(session.file);
        post({id, type: "digest", result: session.sha256});
        break;
      case "adopt":
        post({id, type: "converted", result: adopt(request.arrow, request)});
        break;
      case "analyze": {
        const asked = {generation, analysis: ++analyses};
        const superseded = async () => (await yieldToMessages(), asked.generation !== generation || asked.analysis !== analyses);
        const analysis = await analyze(requireStore(), request, superseded);
        if (analysis) post({id, type: "analyzed", result: analysis});
        break;
      }
      case "tokens":
        post({id, type: "tokens", result: tokenAnalysis(requireStore(), request.packed, request.limits)});
        break;
      case "outputs":
        post({id, type: "outputs", result: outputs(requireStore(), request.kept)});
        break;
    }
  } catch (error) {
    post({id, type: "error", error: toWorkerFailure(error)});
  }
};

const transferLengths = (result: Converted) => Object.values(result.lengths).map((lengths) => lengths.buffer);

const nextChange = (reading: Reading) => new Promise<void>((resolve) => reading.waiters.push(resolve));
const notify = (reading: Reading) => reading.waiters.splice(0).forEach((wake) => wake());

/**
 * Starts reading the file and answers as soon as the format can be detected: detection looks at the first
 * DETECTION_SAMPLE_SIZE parsed records, as `convert` does, so the rest of the file is read while the page converts
 * and shows the first rows. Null when another file was opened meanwhile.
 */
async function open(file: Blob, name: string): Promise<Opened | null> {
  generation++;
  session = null;
  store = null;
  const sniff = await sniffUpload(file, name);
  const reading: Reading = {done: false, error: null, bytesDone: 0, unparsable: 0, unparsableExamples: [], seconds: 0, waiters: [], watchers: []};
  const mine: Session = {name, file, items: [], sample: [], sha256: null, columns: null, canonical: null, reading};
  session = mine;
  void readAll(mine, sniff);
  while (!reading.done && mine.sample.length < DETECTION_SAMPLE_SIZE) await nextChange(reading);
  if (session !== mine) return null;
  if (reading.error && mine.sample.length < DETECTION_SAMPLE_SIZE) throw reading.error;
  const {items, sample} = mine;
  if (reading.done && items.length === 0) throw new UserError("holds no records: nothing to convert", {where: {file: name}, fix: "Pass a file that holds records."});
  let detection: Detection | null = null;
  let detectionError: Opened["detectionError"] = null;
  try {
    detection = detectFormat(sample);
  } catch (error) {
    if (!(error instanceof UserError && error.code === UNKNOWN_FORMAT)) throw error;
    detectionError = {message: error.what, columns: (error.details.columns as string[]) ?? []};
  }
  return {
    name,
    bytes: file.size,
    kind: sniff.kind,
    gzip: sniff.gzip,
    keys: keysOf(sample),
    detection,
    detectionError,
    examples: items.filter((item): item is Extract<RecordItem, {value: unknown}> => "value" in item).slice(0, 3).map((item) => ({row: item.row, value: item.value}))
  };
}

/** Reads every record of the opened file into the session, waking conversions batch by batch; stops when another file is opened. */
async function readAll(mine: Session, sniff: FileSniff): Promise<void> {
  const {reading, items, sample, file, name} = mine;
  const started = performance.now();
  let lastReport = 0;
  let lastYield = started;
  try {
    for await (const batch of readUpload(file, name, sniff, (bytes) => (reading.bytesDone += bytes))) {
      if (session !== mine) return;
      for (const item of batch) {
        items.push(item);
        if ("failure" in item) {
          reading.unparsable++;
          if (reading.unparsableExamples.length < 5) reading.unparsableExamples.push({row: item.row, reason: item.failure});
          continue;
        }
        if (sample.length < DETECTION_SAMPLE_SIZE) sample.push(item.value);
      }
      notify(reading);
      const now = performance.now();
      // The file's chunks can arrive without a task boundary between them: let the page's messages (convert) in.
      if (now - lastYield > YIELD_EVERY_MS) {
        await yieldToMessages();
        lastYield = performance.now();
        if (session !== mine) return;
      }
      if (now - lastReport > 100) {
        lastReport = now;
        for (const id of reading.watchers) post({id, type: "progress", progress: {bytesDone: reading.bytesDone, bytesTotal: file.size, rows: items.length}});
      }
    }
    reading.bytesDone = file.size;
  } catch (error) {
    reading.error = error;
  } finally {
    reading.done = true;
    reading.seconds = (performance.now() - started) / 1000;
    notify(reading);
    if (session === mine) for (const id of reading.watchers.splice(0)) answerRead(id, mine);
  }
}

function totalsOf({items, reading}: Session): ReadTotals {
  return {rows: items.length, unparsable: reading.unparsable, unparsableExamples: reading.unparsableExamples, seconds: reading.seconds};
}

function answerRead(id: number, mine: Session): void {
  if (mine.reading.error) post({id, type: "error", error: toWorkerFailure(mine.reading.error)});
  else if (mine.items.length === 0) post({id, type: "error", error: toWorkerFailure(new UserError("holds no records: nothing to convert", {where: {file: mine.name}, fix: "Pass a file that holds records."}))});
  else post({id, type: "read", result: totalsOf(mine)});
}

/** Answers with progress while the opened file is read, then with its totals (or why reading failed). */
function watchReading(id: number): void {
  if (!session) throw new Error("read before open");
  if (session.reading.done) answerRead(id, session);
  else session.reading.watchers.push(id);
}

function keysOf(records: readonly unknown[]): string[] {
  const counts = new Map<string, number>();
  for (const record of records) if (record && typeof record === "object" && !Array.isArray(record)) for (const key of Object.keys(record)) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([key]) => key);
}

const PREVIEW_ROWS = 10;

/** While the file is still being read, a partial result at most this often (after the one at `partialRows`). */
const PARTIAL_EVERY_MS = 1000;
/** A conversion lets other messages in (a newer mapping) at least this often. */
const YIELD_EVERY_MS = 50;

const yieldToMessages = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Every record through the adapter, as `convertBatch` does for one file: rejects counted, rows drawn into eval by
 * (seed, id). Records are converted as they are read. A partial result goes out after the first `partialRows`
 * records, so a new mapping or a new file shows at once, and then every PARTIAL_EVERY_MS while the file is read.
 * Null when a newer open, convert or adopt superseded it.
 */
async function convert({format, map, evalRatio, seed, partialRows}: {format: string | null; map: string | null; evalRatio: number; seed: number; partialRows: number}, onPartial: (partial: Converted) => void): Promise<Converted | null> {
  if (!session) throw new Error("convert before open");
  const mine = ++generation;
  const current = session;
  const started = performance.now();
  const {name, items, sample, reading} = current;
  const {adapter} = resolveAdapter(map !== null ? {map} : format !== null ? {format} : {}, sample);
  const split = splitFromPath(name);
  const inEval = createEvalSelector(seed, evalRatio);
  const table = Object.fromEntries(CANONICAL_COLUMN_NAMES.map((column) => [column, []])) as unknown as CanonicalColumns;
  const rows: RowStore = {id: table.id, local: [], eval: table.eval, splitMethod: "seeded", evalRatio, source: name, manifest: null};
  const rejects: Converted["rejects"] = [];
  const deviations = new Map<string, {rows: number; firstId: string; summary: string}>();
  let rejected = 0;
  const summary = (read: number, partial: boolean): Converted => ({
    partial,
    format: adapter.name,
    formatTitle: adapter.title,
    read,
    converted: rows.id.length,
    rejected,
    rejects: [...rejects],
    deviations: [...deviations.values()].map((d) => ({...d})),
    lengths: {prompt: lengthsOf(table.prompt_chars), chosen: lengthsOf(table.chosen_chars), rejected: lengthsOf(table.rejected_chars)},
    preview: rows.id.slice(0, PREVIEW_ROWS).map((id, i) => ({id, eval: rows.eval[i], ...rows.local[i]})),
    seconds: (performance.now() - started) / 1000
  });
  let lastPartial = 0;
  let lastYield = performance.now();
  for (let k = 0; ; k++) {
    while (k === items.length && !reading.done) {
      await nextChange(reading);
      if (mine !== generation) return null;
    }
    if (k === items.length) break;
    if (k === partialRows || (k > partialRows && k % 256 === 0)) {
      const now = performance.now();
      if (k === partialRows || (!reading.done && now - lastPartial > PARTIAL_EVERY_MS)) {
        lastPartial = now;
        onPartial(summary(k, true));
      }
      if (now - lastYield > YIELD_EVERY_MS) {
        await yieldToMessages();
        if (mine !== generation) return null;
        lastYield = performance.now();
      }
    }
    const item = items[k];
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
    // Text that is not Unicode (a lone surrogate) is a reject, as in convert.
    const invalid = invalidText(result.ok, toLocalJsonRow(result.ok));
    if (invalid) {
      rejected++;
      if (rejects.length < 20) rejects.push({row: item.row, reason: invalid});
      continue;
    }
    const row = canonicalTableRow(result.ok, inEval(result.ok.id));
    for (const column of CANONICAL_COLUMN_NAMES) (table[column] as unknown[]).push(row[column]);
    rows.local.push({prompt: row.prompt, chosen: row.chosen, rejected: row.rejected});
    const deviation = localJsonDeviation(result.ok);
    if (deviation) {
      const kind = deviation.deviations.map((d) => d.method).join(",");
      const seen = deviations.get(kind);
      if (seen) seen.rows++;
      else deviations.set(kind, {rows: 1, firstId: result.ok.id, summary: deviation.summary});
    }
  }
  if (reading.error) throw reading.error;
  store = rows;
  current.canonical = table;
  return summary(items.length, false);
}

/** Lengths row by row, -1 for a null string, as an Int32Array to transfer. */
function lengthsOf(lengths: ReadonlyArray<number | null>): Int32Array {
  return Int32Array.from(lengths, (length) => length ?? -1);
}

/** The last conversion as the canonical table's Arrow IPC stream (built on request: the first results do not wait for it). */
function canonicalArrow(): Uint8Array {
  const table = session?.canonical;
  if (!table) throw new Error("arrow before convert");
  const vectors = Object.fromEntries(
    CANONICAL_COLUMN_NAMES.map((column) => {
      const values = table[column] as unknown[];
      const type = CANONICAL_TABLE_COLUMNS[column].type;
      return [column, type === "VARCHAR" ? utf8Vector(values as Array<string | null>) : type === "INTEGER" ? int32Vector(values as Array<number | null>) : boolVector(values as boolean[])];
    })
  );
  return tableToIPC(new Table(vectors), "stream");
}

async function columnStats(): Promise<ColumnStats[]> {
  if (!session) throw new Error("columns before open");
  const mine = session;
  while (!mine.reading.done) await nextChange(mine.reading);
  if (mine.reading.error) throw mine.reading.error;
  if (!mine.columns) {
    const collector = new ColumnStatsCollector();
    for (const item of mine.items) if (!("failure" in item)) collector.add(item.value);
    mine.columns = collector.result();
  }
  return mine.columns;
}

/** The canonical rows of a CLI conversion (its cache entry's Arrow stream, in conversion order), summarised as a conversion. */
function adopt(bytes: Uint8Array, {splitMethod, evalRatio, source, manifest, format, formatTitle}: Pick<RowStore, "splitMethod" | "evalRatio" | "source"> & {manifest: Manifest; format: string; formatTitle: string}): Converted {
  const started = performance.now();
  generation++;
  session = null;
  const table = tableFromIPC(bytes);
  const column = (name: string) => table.getChild(name)!;
  const [id, prompt, chosen, rejected, evalColumn] = ["id", "prompt", "chosen", "rejected", "eval"].map(column);
  const rows: RowStore = {id: [], local: [], eval: [], splitMethod, evalRatio, source, manifest};
  for (let i = 0; i < table.numRows; i++) {
    rows.id.push(id.get(i) as string);
    rows.local.push({prompt: prompt.get(i) ?? null, chosen: chosen.get(i) ?? null, rejected: rejected.get(i) ?? null});
    rows.eval.push(evalColumn.get(i) === true);
  }
  store = rows;
  const lengths = (name: "prompt_chars" | "chosen_chars" | "rejected_chars") => lengthsOf(Array.from({length: table.numRows}, (_, i) => (column(name).get(i) as number | null) ?? null));
  return {
    partial: false,
    format,
    formatTitle,
    read: manifest.counts.read,
    converted: manifest.counts.converted,
    rejected: manifest.counts.rejected,
    rejects: [],
    deviations: manifest.local_jsonfile.deviations.map(({rows: count, first_row, summary}) => ({rows: count, firstId: first_row, summary})),
    lengths: {prompt: lengths("prompt_chars"), chosen: lengths("chosen_chars"), rejected: lengths("rejected_chars")},
    preview: rows.id.slice(0, PREVIEW_ROWS).map((rowId, i) => ({id: rowId, eval: rows.eval[i], ...rows.local[i]})),
    seconds: (performance.now() - started) / 1000
  };
}
