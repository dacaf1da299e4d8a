/**
 * Every run record summarised for people and pages: `runs --json`, and the Runs page's two files — src/data/live/
 * runs.json (this document) and run-metrics.arrow (all runs' metric rows with a `run` column) — which data loaders of
 * those names produce and `watch` rewrites after each commit.
 *
 * Live updates: `npm start` is `observable preview`, which re-runs a data loader only when the loader's own source
 * changes, so a loader's output cannot follow a running job. Framework serves a static file in place of the loader of
 * the same name, so `watch` writes the two files themselves beside their loaders (atomically; git-ignored), and the
 * page polls them every 2 s (src/components/runs/liveRuns.ts). A static build reads the loaders' output (or the static
 * files present at build time) and shows the runs recorded then.
 */
import {mkdir, readFile} from "node:fs/promises";
import {join, resolve} from "node:path";
import {versioned} from "../../src/core/contract/schemaVersions.js";
import {findInstance} from "../../src/core/estimate/instanceCatalog.js";
import type {Plan} from "../../src/core/plan/normalizePlan.js";
import type {PlanDataset} from "../../src/core/plan/planDataset.js";
import {planDatasetFromManifest} from "../../src/core/plan/planDataset.js";
import type {RunMetricRow} from "../../src/core/runs/metricRows.js";
import {parseManifest} from "../../src/core/contract/manifest.js";
import {listRunRecords, PROJECT_ROOT, type RunRecordDocument} from "./runRecord.js";
import {metricRowsToArrow, readMetricsArrow, writeFileAtomically} from "./metricsFiles.js";


/** Where `watch` writes the live copies: src/data/live of the studio (DSCHAT_STUDIO_LIVE_DIR moves it). */
export function liveDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DSCHAT_STUDIO_LIVE_DIR ? resolve(env.DSCHAT_STUDIO_LIVE_DIR) : join(PROJECT_ROOT, "src", "data", "live");
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch {
    return null;
  }
}

function durationSeconds(record: RunRecordDocument): number | null {
  const job = record.description;
  if (!job?.started_at) return null;
  const end = job.ended_at ? Date.parse(job.ended_at) : Date.parse(record.updated_at);
  return Math.max(0, Math.round((end - Date.parse(job.started_at)) / 1000));
}

/** One run as `runs --json` and the Runs page show it (schemas/runs.schema.json). */
export async function runSummary(root: string, record: RunRecordDocument) {
  const dir = join(root, record.job);
  const plan = record.has_plan ? await readJson<Plan>(join(dir, "plan.json")) : null;
  const manifestJson = record.has_manifest ? await readJson<unknown>(join(dir, "manifest.json")) : null;
  let dataset: PlanDataset | null = plan?.dataset ?? null;
  if (!dataset && manifestJson) {
    try {
      dataset = planDatasetFromManifest(parseManifest(manifestJson));
    } catch {
      dataset = null;
    }
  }
  const job = record.description;
  const instance = job?.instance_type ? findInstance(job.instance_type) : undefined;
  const price = instance?.pricePerHour ?? null;
  const billable = job?.billable_seconds ?? null;
  return {
    job: record.job,
    simulated: record.simulated,
    source: record.source,
    step: record.step,
    script: record.script,
    status: job?.status ?? (record.source === "import" ? "Imported" : "Unknown"),
    secondary_status: job?.secondary_status ?? null,
    failure_reason: job?.failure_reason ?? null,
    instance_type: job?.instance_type ?? plan?.infrastructure.instance_type ?? null,
    instance_count: job?.instance_count ?? plan?.infrastructure.instance_count ?? null,
    created_at: job?.created_at ?? record.created_at,
    updated_at: record.updated_at,
    duration_seconds: durationSeconds(record),
    billable_seconds: billable,
    price_per_hour: price,
    // Simulated jobs cost nothing; a real one costs billable seconds × instances × the catalogue's price.
    cost_usd: record.simulated ? 0 : billable !== null && price !== null ? Math.round(((billable * (job?.instance_count ?? 1) * price) / 3600) * 100) / 100 : null,
    transitions: job?.transitions ?? [],
    last_lines: record.last_lines,
    metrics: record.metrics,
    measurement: record.measurement,
    comparison: record.comparison,
    complete: record.complete,
    plan,
    dataset
  };
}

export type RunSummary = Awaited<ReturnType<typeof runSummary>>;

/** The `runs` document: every record, newest first. */
export async function runsDocument(root: string) {
  const records = await listRunRecords(root);
  return versioned("runs", {runs: await Promise.all(records.map((record) => runSummary(root, record)))});
}

/** All runs' committed metric rows, with a `run` column, as one Arrow IPC stream. */
export async function allRunMetricsArrow(root: string, records?: readonly RunRecordDocument[]): Promise<Uint8Array> {
  const rows: Array<RunMetricRow & {run: string}> = [];
  for (const record of records ?? (await listRunRecords(root))) {
    for (const row of (await readMetricsArrow(join(root, record.job, "metrics.arrow"))).slice(0, record.metrics.rows)) rows.push({...row, run: record.job});
  }
  return metricRowsToArrow(rows, ["run"]);
}

/** Rewrites the live copies (metrics first, then the index the page polls). */
export async function writeLiveFiles(root: string, dir: string): Promise<void> {
  await mkdir(dir, {recursive: true});
  const records = await listRunRecords(root);
  await writeFileAtomically(join(dir, "run-metrics.arrow"), await allRunMetricsArrow(root, records));
  const doc = versioned("runs", {runs: await Promise.all(records.map((record) => runSummary(root, record)))});
  await writeFileAtomically(join(dir, "runs.json"), JSON.stringify(doc));
}
