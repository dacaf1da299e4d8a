import {appendFile, copyFile, open, readFile, rm, stat, truncate, writeFile} from "node:fs/promises";
import {constants as fsConstants, createReadStream} from "node:fs";
import {join, resolve} from "node:path";
import type {Phase} from "../../src/core/canonical.js";
import {MANIFEST_FILE, type PhaseCounts} from "../../src/core/contract/manifest.js";
import {UserError} from "../../src/core/contract/userError.js";
import {MAX_SEED} from "../../src/core/split/mt19937.js";
import {DEFAULT_REASONING, FORMATS_VERSION, forcedAdapter, formatReasoningMarkers, REASONING_MODES, type ReasoningOption} from "../../src/core/formats/index.js";
import type {FileRecord} from "../fs/fileDigest.js";
import {withFsErrors} from "../fs/fsErrors.js";
import {replaceOutputDir, restoreOutput} from "../fs/outputDir.js";
import {buildManifest} from "./buildManifest.js";
import {cacheKeyOf, cacheRoot, commitCacheEntry, createStagingDir, findVerifiedEntry, recordEntryFiles, verifiesFully, withEntryLock, writeStoredEntry} from "./cache.js";
import {CanonicalWriter} from "./canonicalWriter.js";
import {canConvertInWorkers, convertInWorkers} from "./convertInWorkers.js";
import {addBatchCounts, convertBatch, emptyBatchCounts, type BatchCounts, type EncodedBatch} from "./convertBatch.js";
import {DEFAULT_EVAL_RATIO, DEFAULT_SEED, type ConvertEffects, type ConvertOptions, type ConvertSummary} from "./convertSummary.js";
import {summarizeInputs} from "./summarizeInputs.js";
import {createEvalSelector} from "./evalSplit.js";
import {expandInputs, isEvalSplit, sha256File, type InputFile} from "./inputs.js";
import {LineWriter} from "./lineWriter.js";
import {readManifest} from "./readManifest.js";
import {readRecords} from "./readers/readRecords.js";
import {chooseFormats} from "./sampleInputs.js";
import {movesLastTrainRowToEval} from "../../src/core/recipe/localJsonOutput.js";
import {checkExpectedInputs} from "./recipeInputs.js";
import {RowFilter} from "./rowFilter.js";

export {DEFAULT_EVAL_RATIO, DEFAULT_SEED, MIXED_FORMAT, type ConvertEffects, type ConvertOptions, type ConvertProgress, type ConvertSummary, type InputSummary} from "./convertSummary.js";

/** The files of a conversion, in a cache entry and in an --out folder alike. */
export const OUTPUT_FILES = ["train.json", "eval.json", "rejects.jsonl", MANIFEST_FILE] as const;

const noEffects: ConvertEffects = {};

/** What a `convert --out` folder is, for the output replacer (loaders/fs/outputDir.ts). */
const CONVERT_OUTPUT = {kind: "convert", files: OUTPUT_FILES, isLegacyOutput: (dir: string, names: readonly string[]) => isLegacyConvertOutput(dir, names)};

/**
 * Converts input files into DS-Chat `local/jsonfile` data plus the canonical Parquet, streaming every record once.
 * The result is cached under a key of the inputs' sha256, the options and the engine/formats versions, so a re-run on
 * unchanged bytes only copies the verified cached files into --out. Options are checked before any input is read;
 * unusable input throws a UserError; rows that cannot be mapped are counted in rejects.jsonl, and rows read always
 * equal rows converted plus rows rejected. Runs on the same inputs and options take turns (a lock per cache key).
 */
export async function convertDataset(options: ConvertOptions, effects: ConvertEffects = noEffects): Promise<ConvertSummary> {
  const cwd = options.cwd ?? process.cwd();
  const evalRatio = options.evalRatio ?? DEFAULT_EVAL_RATIO;
  const seed = options.seed ?? DEFAULT_SEED;
  if (!(evalRatio >= 0 && evalRatio < 1)) throw new UserError(`${evalRatio} is not at least 0 and below 1`, {where: {option: "--eval-ratio"}, fix: "Pass a share of rows such as 0.1."});
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) throw new UserError(`${seed} is not a whole number from 0 to ${MAX_SEED}`, {where: {option: "--seed"}, fix: "Pass a seed such as 1234."});
  const forced = forcedAdapter({format: options.format ?? undefined, map: options.map ?? undefined});
  const reasoning = options.reasoning ?? DEFAULT_REASONING;
  if (!REASONING_MODES.includes(reasoning.mode)) throw new UserError(`${JSON.stringify(reasoning.mode)} is not one of ${REASONING_MODES.join(", ")}`, {where: {option: "--reasoning"}, fix: "Pass --reasoning inline or --reasoning drop."});
  if (typeof reasoning.open !== "string" || reasoning.open === "" || typeof reasoning.close !== "string") {
    throw new UserError("needs a non-empty opening marker and a closing marker", {where: {option: "--reasoning-markers"}, fix: "Pass e.g. --reasoning-markers '<think>,</think>'."});
  }
  const out = options.out ? resolve(cwd, options.out) : null;
  if (out) await restoreOutput(out, CONVERT_OUTPUT);
  const notes: string[] = [];
  const inputs = await expandInputs(options.paths, cwd, {output: out, notes});
  const hashes: string[] = [];
  for (const input of inputs) hashes.push(await withFsErrors({path: input.source, role: "input", doing: "reading"}, () => sha256File(input.path)));
  if (options.expectedInputs) checkExpectedInputs(inputs, hashes, options.expectedInputs);
  const root = cacheRoot(options.env);
  const key = cacheKeyOf({
    inputs: inputs.map((input, i) => ({source: input.source, sha256: hashes[i]})),
    format: options.format ?? null,
    map: options.map ?? null,
    evalRatio,
    seed,
    reasoning: `${reasoning.mode}:${formatReasoningMarkers(reasoning)}`,
    formatsVersion: FORMATS_VERSION,
    filter: options.filter ?? null
  });
  const full = verifiesFully(options.env);
  const summary = await withFsErrors({path: root, role: "cache", doing: "writing the cache"}, () =>
    withEntryLock(
      root,
      key,
      async () => {
        let entry: string;
        let summary: ConvertSummary;
        let files: Record<string, FileRecord>;
        const found = await findVerifiedEntry<ConvertSummary>(root, key, {full, log: effects.log});
        if (found) {
          ({dir: entry, stored: {files}} = found);
          summary = {...found.stored.summary, cacheDir: entry, cacheHit: true, out};
          await effects.beforeCommit?.();
        } else {
          const staging = await createStagingDir(root);
          try {
            const built = await convertInto(staging, inputs, hashes, {...options, evalRatio, seed, reasoning, key, forced}, effects);
            summary = built.summary;
            files = await recordEntryFiles(staging, built.digests);
            await writeStoredEntry(staging, {summary: {...summary, out: null}, files});
            await effects.beforeCommit?.();
            entry = await commitCacheEntry(root, key, staging);
            summary = {...summary, cacheDir: entry, out};
          } catch (error) {
            await rm(staging, {recursive: true, force: true});
            throw error;
          }
        }
        if (out) await writeConvertOutput(out, entry, files);
        return summary;
      },
      (pid) => effects.log?.(`waiting for process ${pid}, which is converting the same inputs with the same options`)
    )
  );
  return notes.length ? {...summary, warnings: [...summary.warnings, ...notes]} : summary;
}

/**
 * Copies the verified cache entry's outputs into --out (a reflink where the file system has them, so no copy of the
 * bytes; otherwise a real copy): an edit of one output never reaches the cache or another output. When --out already
 * holds these very files, unchanged, nothing is copied.
 */
async function writeConvertOutput(out: string, entry: string, files: Record<string, FileRecord>): Promise<void> {
  await replaceOutputDir(out, {
    ...CONVERT_OUTPUT,
    write: async (dir) => {
      for (const file of OUTPUT_FILES) await copyFile(join(entry, file), join(dir, file), fsConstants.COPYFILE_FICLONE);
    },
    digests: Object.fromEntries(OUTPUT_FILES.map((file) => [file, files[file].sha256]))
  });
}

/**
 * Whether a real folder is a `convert --out` written by an earlier version (before outputs had a marker file): exactly
 * the four output files, a manifest.json that reads as a convert manifest, and train.json/eval.json holding the
 * numbers of lines it counts.
 */
export async function isLegacyConvertOutput(dir: string, names: readonly string[]): Promise<boolean> {
  const expected = [...OUTPUT_FILES].sort();
  const sorted = [...names].sort();
  if (sorted.length !== expected.length || sorted.some((name, i) => name !== expected[i])) return false;
  try {
    for (const name of names) if (!(await stat(join(dir, name))).isFile()) return false;
    const manifest = readManifest(dir)!;
    return (await countLines(join(dir, "train.json"))) === manifest.counts.train && (await countLines(join(dir, "eval.json"))) === manifest.counts.eval;
  } catch {
    return false;
  }
}

async function countLines(path: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(path, {highWaterMark: 1 << 20}) as AsyncIterable<Buffer>) {
    for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) lines++;
  }
  return lines;
}

interface ResolvedOptions extends ConvertOptions {
  evalRatio: number;
  seed: number;
  reasoning: ReasoningOption;
  key: string;
  forced: ReturnType<typeof forcedAdapter>;
}

/** What a fresh conversion leaves in its staging folder: the summary and the sha256 of the files hashed as written. */
interface BuiltEntry {
  summary: ConvertSummary;
  digests: Record<string, string>;
}

async function convertInto(dir: string, inputs: InputFile[], hashes: string[], options: ResolvedOptions, effects: ConvertEffects): Promise<BuiltEntry> {
  const bytesTotal = inputs.reduce((sum, input) => sum + input.bytes, 0);
  let bytesDone = 0;
  const warnings: string[] = [];
  const onWarning = (message: string) => warnings.push(message);
  const fileFormats = await chooseFormats(inputs, options.forced, options.map ? "--map" : options.format ? "--format" : null);
  const adapterOf = new Map(fileFormats.map(({file, adapter}) => [file, adapter]));
  // A recipe's filter: opened (and its condition bound by DuckDB) before any output file is created.
  const filter = options.filter ? await RowFilter.open(options.filter) : null;

  const fileSplits = new Set(inputs.map((input) => isEvalSplit(input.split)));
  const splitMethod: "source" | "seeded" = fileSplits.size === 2 ? "source" : "seeded";
  const selectEval = createEvalSelector(options.seed, options.evalRatio);
  const evalRule = (file: InputFile) => (splitMethod === "source" ? (isEvalSplit(file.split) ? () => true : () => false) : selectEval);
  const train = new LineWriter(join(dir, "train.json"), {hash: true});
  const evaluation = new LineWriter(join(dir, "eval.json"), {hash: true});
  const rejects = new LineWriter(join(dir, "rejects.jsonl"), {hash: true});
  const canonical = new CanonicalWriter(dir);
  await canonical.open();
  const totals = emptyBatchCounts();

  const writeEncoded = async (batch: EncodedBatch) => {
    const {blocks} = batch;
    await train.pushEncoded(blocks.train.bytes, blocks.train.lines);
    await evaluation.pushEncoded(blocks.eval.bytes, blocks.eval.lines);
    await rejects.pushEncoded(blocks.rejects.bytes, blocks.rejects.lines);
    await canonical.pushEncoded(blocks.canonical.bytes, blocks.canonical.lines, batch.longestCanonicalLine);
    batch.release?.();
    addBatchCounts(totals, batch);
    effects.onProgress?.({bytesDone, bytesTotal, rowsRead: totals.read});
  };

  let movedToEval: string | null = null;
  try {
    // A recipe's filter queries DuckDB batch by batch on this thread.
    const useWorkers = filter ? false : options.workers === undefined || options.workers === "auto" ? canConvertInWorkers(inputs) : options.workers && inputs.every((input) => input.kind === "jsonl");
    // Each file is read again from its first byte: its first records were only sampled to choose its format.
    if (useWorkers) {
      const setup = {
        map: options.map ?? null,
        reasoning: options.reasoning,
        seed: options.seed,
        evalRatio: options.evalRatio,
        formatOf: (file: InputFile) => adapterOf.get(file)!.name,
        forcedEval: (file: InputFile) => (splitMethod === "source" ? isEvalSplit(file.split) : null)
      };
      for await (const batch of convertInWorkers(inputs, setup, (bytes) => (bytesDone += bytes), onWarning)) await writeEncoded(batch);
    } else {
      for (const file of inputs) {
        const context = {source: file.source, split: file.split, adapter: adapterOf.get(file)!, reasoning: options.reasoning, inEval: evalRule(file)};
        for await (const items of readRecords(file, {onBytes: (bytes) => (bytesDone += bytes), onWarning})) {
          const kept = filter ? await filter.keptIdsOf(items, context) : null;
          await writeEncoded(convertBatch(items, {...context, keep: kept ? (id) => kept.has(id) : undefined}));
        }
      }
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
  const described = summarizeInputs(fileFormats, totals.files, options.reasoning);
  warnings.push(...described.warnings);

  const phaseRows: PhaseCounts = {
    "1": phaseRowsBySplit.train["1"] + phaseRowsBySplit.eval["1"],
    "2": phaseRowsBySplit.train["2"] + phaseRowsBySplit.eval["2"],
    "3": phaseRowsBySplit.train["3"] + phaseRowsBySplit.eval["3"]
  };
  const summary: ConvertSummary = {
    format: described.format,
    formatTitle: described.formatTitle,
    detection: described.detection,
    inputs: described.inputs,
    reasoning: options.reasoning,
    reasoningRows: described.inputs.reduce((sum, input) => sum + input.reasoningRows, 0),
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
    options: {format: options.format ?? null, map: options.map ?? null, evalRatio: options.evalRatio, seed: options.seed, reasoning: options.reasoning, filter: options.filter ?? null},
    deviations
  });
  await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
  // Moving a line rewrote train.json and eval.json after they were hashed: those two are hashed again from disk.
  const written = movedToEval === null ? [train, evaluation, rejects] : [rejects];
  const digests = Object.fromEntries(written.map((writer) => [writer.path.slice(dir.length + 1), writer.digest()!]));
  return {summary, digests};
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
