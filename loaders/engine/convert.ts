import {appendFile, copyFile, link, open, readFile, rm, stat, truncate, writeFile} from "node:fs/promises";
import {join, resolve} from "node:path";
import type {Phase} from "../../src/core/canonical.js";
import {MANIFEST_FILE, type PhaseCounts} from "../../src/core/contract/manifest.js";
import {UserError} from "../../src/core/contract/userError.js";
import {MAX_SEED} from "../../src/core/split/mt19937.js";
import {FORMATS_VERSION, forcedAdapter} from "../../src/core/formats/index.js";
import {writeDirAtomically} from "./atomicDir.js";
import {buildManifest} from "./buildManifest.js";
import {cacheKeyOf, cacheRoot, commitCacheEntry, createStagingDir, filesUnchanged, findCacheEntry, fingerprintFiles, SUMMARY_FILE, type FileFingerprints} from "./cache.js";
import {CanonicalWriter} from "./canonicalWriter.js";
import {canConvertInWorkers, convertInWorkers} from "./convertInWorkers.js";
import {addBatchCounts, convertBatch, emptyBatchCounts, type BatchCounts, type EncodedBatch} from "./convertBatch.js";
import {DEFAULT_EVAL_RATIO, DEFAULT_SEED, type ConvertEffects, type ConvertOptions, type ConvertSummary} from "./convertSummary.js";
import {createEvalSelector} from "./evalSplit.js";
import {expandInputs, isEvalSplit, sha256File, type InputFile} from "./inputs.js";
import {LineWriter} from "./lineWriter.js";
import {movesLastTrainRowToEval} from "../../src/core/recipe/localJsonOutput.js";
import {checkExpectedInputs} from "./recipeInputs.js";
import {RowFilter} from "./rowFilter.js";
import {chooseAdapter, readAllBatches, type SourceBatch} from "./sampleInputs.js";

export {DEFAULT_EVAL_RATIO, DEFAULT_SEED, type ConvertEffects, type ConvertOptions, type ConvertProgress, type ConvertSummary} from "./convertSummary.js";

/** The files of a conversion, in a cache entry and in an --out folder alike. */
export const OUTPUT_FILES = ["train.json", "eval.json", "rejects.jsonl", MANIFEST_FILE] as const;

const noEffects: ConvertEffects = {};

/**
 * Converts input files into DS-Chat `local/jsonfile` data plus the canonical Parquet, streaming every record once.
 * The result is cached under a key of the inputs' sha256, the options and the engine/formats versions, so a re-run on
 * unchanged bytes only links the cached files into --out. Options are checked before any input is read; unusable input
 * throws a UserError; rows that cannot be mapped are counted in rejects.jsonl, and rows read always equal rows converted
 * plus rows rejected.
 */
export async function convertDataset(options: ConvertOptions, effects: ConvertEffects = noEffects): Promise<ConvertSummary> {
  const cwd = options.cwd ?? process.cwd();
  const evalRatio = options.evalRatio ?? DEFAULT_EVAL_RATIO;
  const seed = options.seed ?? DEFAULT_SEED;
  if (!(evalRatio >= 0 && evalRatio < 1)) throw new UserError(`${evalRatio} is not at least 0 and below 1`, {where: {option: "--eval-ratio"}, fix: "Pass a share of rows such as 0.1."});
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) throw new UserError(`${seed} is not a whole number from 0 to ${MAX_SEED}`, {where: {option: "--seed"}, fix: "Pass a seed such as 1234."});
  const forced = forcedAdapter({format: options.format ?? undefined, map: options.map ?? undefined});
  const inputs = await expandInputs(options.paths, cwd);
  const hashes: string[] = [];
  for (const input of inputs) hashes.push(await sha256File(input.path));
  if (options.expectedInputs) checkExpectedInputs(inputs, hashes, options.expectedInputs);
  const root = cacheRoot(options.env);
  const key = cacheKeyOf({
    inputs: inputs.map((input, i) => ({source: input.source, sha256: hashes[i]})),
    format: options.format ?? null,
    map: options.map ?? null,
    evalRatio,
    seed,
    formatsVersion: FORMATS_VERSION,
    filter: options.filter ?? null
  });
  const out = options.out ? resolve(cwd, options.out) : null;
  let entry = await findCacheEntry(root, key);
  let summary: ConvertSummary | null = null;
  if (entry) {
    const stored = await readStoredSummary(entry);
    if (stored && (await filesUnchanged(entry, stored.files))) {
      summary = {...stored.summary, cacheDir: entry, cacheHit: true, out};
      effects.log?.(`cache hit ${key}: reusing ${entry}`);
      await effects.beforeCommit?.();
    } else {
      effects.log?.(`cache entry ${entry} was modified after it was written or is unreadable; converting again`);
      await rm(entry, {recursive: true, force: true});
      entry = null;
    }
  }
  if (!summary || !entry) {
    const staging = await createStagingDir(root);
    try {
      summary = await convertInto(staging, inputs, hashes, {...options, evalRatio, seed, key, forced}, effects);
      summary.out = out;
      const stored: StoredSummary = {summary: {...summary, out: null}, files: await fingerprintFiles(staging, OUTPUT_FILES)};
      await writeFile(join(staging, SUMMARY_FILE), JSON.stringify(stored, null, 2) + "\n");
      await effects.beforeCommit?.();
      entry = await commitCacheEntry(root, key, staging);
      summary.cacheDir = entry;
    } catch (error) {
      await rm(staging, {recursive: true, force: true});
      throw error;
    }
  }
  if (out) {
    const source = entry;
    await writeDirAtomically(out, async (temp) => {
      for (const file of OUTPUT_FILES) await linkOrCopy(join(source, file), join(temp, file));
    });
  }
  return summary;
}

/** What a cache entry's summary.json holds. */
interface StoredSummary {
  summary: ConvertSummary;
  files: FileFingerprints;
}

/** The entry's summary, or null when it is unreadable or from an older layout (the entry is then rebuilt). */
async function readStoredSummary(entry: string): Promise<StoredSummary | null> {
  try {
    const stored = JSON.parse(await readFile(join(entry, SUMMARY_FILE), "utf8")) as Partial<StoredSummary>;
    return stored.summary && stored.files && typeof stored.files === "object" ? (stored as StoredSummary) : null;
  } catch {
    return null;
  }
}

/**
 * Outputs are hard links to the cache entry's files: no copy of gigabytes, and an in-place edit of the output is
 * caught by the entry's fingerprints. Across file systems (cache and --out on different disks) they are copied.
 */
async function linkOrCopy(from: string, to: string): Promise<void> {
  await link(from, to).catch(() => copyFile(from, to));
}

interface ResolvedOptions extends ConvertOptions {
  evalRatio: number;
  seed: number;
  key: string;
  forced: ReturnType<typeof forcedAdapter>;
}

async function convertInto(dir: string, inputs: InputFile[], hashes: string[], options: ResolvedOptions, effects: ConvertEffects): Promise<ConvertSummary> {
  const bytesTotal = inputs.reduce((sum, input) => sum + input.bytes, 0);
  let bytesDone = 0;
  const batches = readAllBatches(inputs, (bytes) => (bytesDone += bytes));
  const {adapter, detection, buffered} = await chooseAdapter(batches, options.forced);

  const fileSplits = new Set(inputs.map((input) => isEvalSplit(input.split)));
  const splitMethod: "source" | "seeded" = fileSplits.size === 2 ? "source" : "seeded";
  const selectEval = createEvalSelector(options.seed, options.evalRatio);
  const evalRule = (file: InputFile) => (splitMethod === "source" ? (isEvalSplit(file.split) ? () => true : () => false) : selectEval);
  const train = new LineWriter(join(dir, "train.json"));
  const evaluation = new LineWriter(join(dir, "eval.json"));
  const rejects = new LineWriter(join(dir, "rejects.jsonl"));
  const canonical = new CanonicalWriter(dir);
  await canonical.open();
  const totals = emptyBatchCounts();

  const filter = options.filter ? await RowFilter.open(options.filter) : null;
  const convertSourceBatch = async ({file, items}: SourceBatch) => {
    const context = {source: file.source, split: file.split, adapter, inEval: evalRule(file)};
    const kept = filter ? await filter.keptIdsOf(items, context) : null;
    return convertBatch(items, {...context, keep: kept ? (id) => kept.has(id) : undefined});
  };

  const writeEncoded = async (batch: EncodedBatch) => {
    const {blocks} = batch;
    await train.pushEncoded(blocks.train.bytes, blocks.train.lines);
    await evaluation.pushEncoded(blocks.eval.bytes, blocks.eval.lines);
    await rejects.pushEncoded(blocks.rejects.bytes, blocks.rejects.lines);
    await canonical.pushEncoded(blocks.canonical.bytes, blocks.canonical.lines);
    batch.release?.();
    addBatchCounts(totals, batch);
    effects.onProgress?.({bytesDone, bytesTotal, rowsRead: totals.read});
  };

  const warnings: string[] = [];
  let movedToEval: string | null = null;
  try {
    // A filter queries DuckDB batch by batch on this thread.
    const useWorkers = filter ? false : options.workers === undefined || options.workers === "auto" ? canConvertInWorkers(inputs) : options.workers && inputs.every((input) => input.kind === "jsonl");
    if (useWorkers) {
      // Workers re-read from the first byte; the sample was only for choosing the adapter.
      await batches.return(undefined);
      bytesDone = 0;
      const setup = {
        format: options.map ? null : adapter.name,
        map: options.map ?? null,
        seed: options.seed,
        evalRatio: options.evalRatio,
        forcedEval: (file: InputFile) => (splitMethod === "source" ? isEvalSplit(file.split) : null)
      };
      for await (const batch of convertInWorkers(inputs, setup, (bytes) => (bytesDone += bytes))) await writeEncoded(batch);
    } else {
      for (const batch of buffered) await writeEncoded(await convertSourceBatch(batch));
      for await (const batch of batches) await writeEncoded(await convertSourceBatch(batch));
    }
    // DS-Chat's evaluation crashes on an empty eval set: when the seeded draw picked no row, the last train row moves.
    if (movesLastTrainRowToEval({splitMethod, evalRatio: options.evalRatio, trainRows: train.lines, evalRows: evaluation.lines}) && totals.lastTrain) {
      movedToEval = totals.lastTrain.id;
      warnings.push(`the seeded split drew no eval row from ${totals.converted} rows; the last train row was moved to eval.json so that DS-Chat's evaluation has data`);
    }
    await Promise.all([train.close(), evaluation.close(), rejects.close()]);
    if (movedToEval !== null) await moveLastLine(train, evaluation, totals.lastTrain!, totals);
    await canonical.close({moveToEval: movedToEval});
  } catch (error) {
    for (const writer of [train, evaluation, rejects]) writer.destroy();
    canonical.abandon();
    await batches.return(undefined);
    throw error;
  } finally {
    filter?.close();
  }
  effects.onProgress?.({bytesDone: bytesTotal, bytesTotal, rowsRead: totals.read});
  const {read: rowsRead, converted, rejected, filtered} = totals;
  const phaseRowsBySplit = totals.phases;
  const trainRows = train.lines;
  const evalRows = evaluation.lines;

  if (rowsRead !== converted + rejected + filtered) throw new Error(`Row accounting is off: ${rowsRead} read but ${converted} converted + ${rejected} rejected + ${filtered} filtered (a bug).`);
  if (converted === 0 && filtered > 0) throw new UserError(`the filter ${JSON.stringify(options.filter)} leaves no row: all ${filtered} converted rows were filtered out`, {where: {field: "filter"}, fix: "Loosen the condition (the Datasets page shows how many rows it keeps)."});
  if (converted === 0) throw await noRowsError(inputs, rowsRead, join(dir, "rejects.jsonl"));
  if (evalRows === 0) warnings.push("eval.json is empty: DS-Chat's evaluation loop fails on an empty eval set; pass --eval-ratio above 0 or include a test/validation file");
  if (trainRows === 0) warnings.push("train.json is empty: every converted row went to eval.json");
  const deviations = Object.values(totals.deviations);
  for (const {rows, firstId, summary} of deviations) {
    warnings.push(`local/jsonfile deviation in ${rows} rows (first: ${firstId}): ${summary}`);
  }

  const phaseRows: PhaseCounts = {
    "1": phaseRowsBySplit.train["1"] + phaseRowsBySplit.eval["1"],
    "2": phaseRowsBySplit.train["2"] + phaseRowsBySplit.eval["2"],
    "3": phaseRowsBySplit.train["3"] + phaseRowsBySplit.eval["3"]
  };
  const summary: ConvertSummary = {
    format: adapter.name,
    formatTitle: adapter.title,
    detection,
    rowsRead,
    rowsConverted: converted,
    rowsRejected: rejected,
    rowsFiltered: filtered,
    trainRows,
    evalRows,
    phaseRows,
    phaseRowsBySplit,
    splitMethod,
    warnings,
    cacheKey: options.key,
    cacheDir: dir,
    cacheHit: false,
    out: null
  };
  const manifest = buildManifest(summary, {
    inputs,
    hashes,
    options: {format: options.format ?? null, map: options.map ?? null, evalRatio: options.evalRatio, seed: options.seed, filter: options.filter ?? null},
    deviations
  });
  await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
  return summary;
}

/** Moves the last line of a closed train.json to the end of eval.json, fixing the counts. */
async function moveLastLine(train: LineWriter, evaluation: LineWriter, {line, phases}: {line: string; phases: Phase[]}, totals: BatchCounts): Promise<void> {
  const {size} = await stat(train.path);
  await truncate(train.path, size - Buffer.byteLength(line) - 1);
  await appendFile(evaluation.path, line + "\n");
  train.lines--;
  evaluation.lines++;
  for (const phase of phases) {
    totals.phases.train[String(phase) as "1" | "2" | "3"]--;
    totals.phases.eval[String(phase) as "1" | "2" | "3"]++;
  }
}

async function noRowsError(inputs: InputFile[], rowsRead: number, rejectsPath: string): Promise<UserError> {
  const names = inputs.map((input) => input.source).join(", ");
  if (rowsRead === 0) return new UserError(`${names} holds no records: nothing to convert`, {fix: "Pass a file that holds records."});
  const reasons = new Map<string, number>();
  let first = "";
  // The head of the rejects file is enough to name the usual reasons; the file itself may be huge.
  const handle = await open(rejectsPath, "r");
  const head = Buffer.alloc(1 << 20);
  const {bytesRead} = await handle.read(head, 0, head.length, 0).finally(() => handle.close());
  const lines = head.subarray(0, bytesRead).toString("utf8").split("\n");
  if (bytesRead === head.length) lines.pop();
  for (const line of lines) {
    if (!line) continue;
    const {file, row, reason} = JSON.parse(line) as {file: string; row: number; reason: string};
    first ||= `${file} row ${row}`;
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    if (reasons.size > 50) break;
  }
  const top = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([reason, n]) => `${n}× ${reason}`);
  return new UserError(`no row of ${names} could be converted: ${rowsRead} rows read, ${rowsRead} rejected (first: ${first}). Most common reasons: ${top.join("; ")}`, {
    fix: "Check the format with 'dschat-studio inspect', then pass --format NAME or --map prompt=COLUMN,chosen=COLUMN."
  });
}
