// `npm run bench -- stats [--rows 100000] [--eval-rows 5000] [--single-rows 100000] [--sample 2000]`
// Exact stats on hh-rlhf-shaped rows with the GPT-2 tokenizer: tokens/s on every core vs one thread, and the wall time and
// stated error of `--sample`. The rows are built from the hh-rlhf fixture under bench/out/ (not committed).
import {existsSync, mkdirSync, readFileSync, writeFileSync} from "node:fs";
import {availableParallelism} from "node:os";
import {parseArgs} from "node:util";
import {gunzipSync} from "node:zlib";
import type {LocalJsonRow} from "../src/core/canonical.js";
import {MEASURE_STRIDE} from "../src/core/tokenize/measureRow.js";
import {measureRows, type MeasureJob} from "../loaders/stats/measureRows.js";
import {readConvertedDir} from "../loaders/stats/readConvertedDir.js";
import {runStats, selectPartitions, type StatsReport} from "../loaders/stats/runStats.js";
import {isUsable} from "../src/core/stats/computeStats.js";
import {resolveTokenizer} from "../loaders/tokenizer/resolveTokenizer.js";

const SETTINGS = {tokenizer: "gpt2", maxSeqLen: 512, maxPromptSeqLen: 256, dataSplit: "2,4,4", seed: 1234};

export default async function bench(args: string[]): Promise<void> {
  const {values} = parseArgs({args, options: {"rows": {type: "string", default: "100000"}, "eval-rows": {type: "string", default: "5000"}, "single-rows": {type: "string", default: "100000"}, "sample": {type: "string", default: "2000"}}});
  const rows = Number(values.rows);
  const dir = writeHhShaped(rows, Number(values["eval-rows"]));
  const cores = availableParallelism();
  console.log(`data: ${dir} (${rows} train rows), tokenizer gpt2, ${cores} cores, ${JSON.stringify(SETTINGS)}`);

  // Same jobs for both paths: a prefix of each phase's rows, so both tokenize identical text.
  const files = await resolveTokenizer("gpt2");
  const converted = readConvertedDir(dir);
  const jobs: MeasureJob[] = selectPartitions(converted, SETTINGS.dataSplit, SETTINGS.seed)
    .filter((p) => p.split === "train")
    .map((p) => ({phase: p.phase, rows: p.rows.filter(({row}) => isUsable(row, p.phase)).map(({row}) => row)}));
  const share = Math.min(1, Number(values["single-rows"]) / jobs.reduce((n, job) => n + job.rows.length, 0));
  const subset = jobs.map((job) => ({phase: job.phase, rows: job.rows.slice(0, Math.ceil(job.rows.length * share))}));
  const options = {files, modelName: "gpt2", limits: {maxSeqLen: SETTINGS.maxSeqLen, maxPromptSeqLen: SETTINGS.maxPromptSeqLen}};
  await measureRows([{phase: 1, rows: subset[0].rows.slice(0, 200)}], {...options, threads: 1}); // load + JIT warm-up
  const single = await timed(() => measureRows(subset, {...options, threads: 1}));
  const parallelSubset = await timed(() => measureRows(subset, {...options, threads: cores}));
  const singleRate = tokensOf(subset, single.value) / single.seconds;
  const parallelRate = tokensOf(subset, parallelSubset.value) / parallelSubset.seconds;
  console.log(`tokenize ${count(subset)} rows, 1 thread:    ${fmt(single.seconds)} s (${fmt(single.cpu)} s CPU), ${Math.round(singleRate).toLocaleString("en")} tokens/s`);
  console.log(`tokenize ${count(subset)} rows, ${cores} threads (${cores - 1} worker(s) + main): ${fmt(parallelSubset.seconds)} s (${fmt(parallelSubset.cpu)} s CPU), ${Math.round(parallelRate).toLocaleString("en")} tokens/s (incl. worker start) → ${(parallelRate / singleRate).toFixed(2)}×`);

  const exact = await timed(() => runStats({...SETTINGS, dir}));
  const exactTokens = exact.value.partitions.reduce((n, p) => n + sumLengths(p), 0);
  console.log(`exact stats, all ${count(jobs) + exact.value.partitions.filter((p) => p.split === "eval").reduce((n, p) => n + p.usable, 0)} usable rows: ${fmt(exact.seconds)} s wall (${fmt(exact.cpu)} s CPU), ${Math.round(exactTokens / exact.seconds).toLocaleString("en")} tokens/s end to end`);

  const sampleSize = Number(values.sample);
  const sampled = await timed(() => runStats({...SETTINGS, dir, sample: sampleSize}));
  console.log(`--sample ${sampleSize}: ${fmt(sampled.seconds)} s wall (${fmt(sampled.cpu)} s CPU; target < 2 s)`);
  reportCoverage(exact.value, sampled.value);
}

function reportCoverage(exact: StatsReport, sampled: StatsReport): void {
  let covered = 0;
  let total = 0;
  sampled.partitions.forEach((p, i) => {
    for (const key of ["truncated", "dropped", "identicalPairs", "padInText"] as const) {
      const estimate = p[key];
      const truth = exact.partitions[i][key];
      if (!estimate || !truth || estimate.exact) continue;
      total++;
      const inside = estimate.low <= truth.rate && truth.rate <= estimate.high;
      if (inside) covered++;
      console.log(`  phase ${p.phase} ${p.split.padEnd(5)} ${key.padEnd(15)} exact ${pct(truth.rate)}  sample ${pct(estimate.rate)} [${pct(estimate.low)}, ${pct(estimate.high)}] n=${estimate.measured} ${inside ? "covers" : "MISSES"}`);
    }
  });
  console.log(`  ${covered}/${total} stated 95% intervals cover the exact value`);
}

/** hh-rlhf rows split DS-Chat style (prompt up to the last "Assistant:", answers after it), repeated with a unique tag. */
function writeHhShaped(trainRows: number, evalRows: number): string {
  const dir = new URL(`./out/stats-hh-${trainRows}/`, import.meta.url).pathname;
  if (existsSync(`${dir}train.json`) && existsSync(`${dir}eval.json`)) return dir;
  const source = gunzipSync(readFileSync(new URL("../test/fixtures/hh-rlhf/harmless-base/test.jsonl.gz", import.meta.url)))
    .toString("utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as {chosen: string; rejected: string})
    .map(toPromptRow)
    .filter((row): row is LocalJsonRow => row !== null);
  const rowAt = (i: number) => {
    const row = source[i % source.length];
    return {...row, prompt: `${row.prompt!.replace(/\n\nAssistant:$/, "")} (case ${i})\n\nAssistant:`};
  };
  mkdirSync(dir, {recursive: true});
  writeFileSync(`${dir}train.json`, Array.from({length: trainRows}, (_, i) => JSON.stringify(rowAt(i))).join("\n") + "\n");
  writeFileSync(`${dir}eval.json`, JSON.stringify(Array.from({length: evalRows}, (_, i) => rowAt(trainRows + i))));
  return dir;
}

function toPromptRow({chosen, rejected}: {chosen: string; rejected: string}): LocalJsonRow | null {
  const marker = "\n\nAssistant:";
  const c = chosen.lastIndexOf(marker) + marker.length;
  const r = rejected.lastIndexOf(marker) + marker.length;
  if (chosen.slice(0, c) !== rejected.slice(0, r)) return null;
  return {prompt: chosen.slice(0, c).trim(), chosen: chosen.slice(c).trim(), rejected: rejected.slice(r).trim()};
}

/** Tokens the encoder produced: prompt plus each full sequence. */
function tokensOf(jobs: MeasureJob[], packed: Int32Array[]): number {
  let tokens = 0;
  packed.forEach((values, j) => {
    for (let k = 0; k < jobs[j].rows.length; k++) {
      const at = k * MEASURE_STRIDE;
      for (const offset of [0, 3, 4]) if (values[at + offset] > 0) tokens += values[at + offset];
    }
  });
  return tokens;
}

function sumLengths(p: StatsReport["partitions"][number]): number {
  const total = (s: {count: number; mean: number} | null) => (s ? s.count * s.mean : 0);
  return total(p.lengths.prompt) + total(p.lengths.full) + total(p.lengths.fullRejected);
}

/** Wall seconds, and CPU seconds of this process (all its threads, workers included): the machine may be shared. */
async function timed<T>(run: () => Promise<T>): Promise<{value: T; seconds: number; cpu: number}> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const value = await run();
  const cpu = process.cpuUsage(cpuStart);
  return {value, seconds: (performance.now() - start) / 1000, cpu: (cpu.user + cpu.system) / 1e6};
}

const count = (jobs: MeasureJob[]) => jobs.reduce((n, job) => n + job.rows.length, 0);
const fmt = (seconds: number) => seconds.toFixed(2);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
