/**
 * A run record: everything the studio knows about one training job, in `data/runs/<job>/` (DSCHAT_STUDIO_RUNS moves
 * data/runs):
 *
 *   record.json       the job description and its history, where each log stream's reading stopped, counts, the
 *                     measurement and the estimate comparison (schemas/run-record.schema.json)
 *   plan.json         the plan it ran with (when known)       manifest.json   the dataset's manifest (when known)
 *   metrics.arrow     metric rows (step, epoch, iteration, metric, value, time, host, line, kind), Arrow IPC stream
 *   metrics.parquet   the same rows, Parquet
 *   logs/<host>.log.gz  every raw line of that host, gzip (one member per append)
 *
 * Incremental and safe to run twice or concurrently: a writer holds `lock` (a file naming its pid; a dead writer's lock
 * is taken over), every file but the logs is replaced atomically, and record.json — written last — says how many rows
 * and log bytes are committed; anything beyond that (a writer killed mid-commit) is cut off when the record is opened.
 */
import {closeSync, existsSync, openSync, readFileSync, writeSync} from "node:fs";
import {appendFile, mkdir, readdir, readFile, rm, truncate} from "node:fs/promises";
import {join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {gzipSync} from "node:zlib";
import type {Phase} from "../../src/core/canonical.js";
import type {Manifest} from "../../src/core/contract/manifest.js";
import {SCHEMA_VERSIONS} from "../../src/core/contract/schemaVersions.js";
import {UserError} from "../../src/core/contract/userError.js";
import type {Plan} from "../../src/core/plan/normalizePlan.js";
import {compareEstimate, type EstimateComparison} from "../../src/core/report/estimateVsMeasured.js";
import type {TrainingScript} from "../../src/core/runs/logLines.js";
import {measureRun, type RunMeasurement} from "../../src/core/runs/measurement.js";
import {isRankZeroHost, metricRowsOfLines, newStreamParseState, type LogLine, type RunMetricRow, type StreamParseState} from "../../src/core/runs/metricRows.js";
import type {JobDescription} from "../aws/trainingJobs.js";
import {metricRowsToArrow, readMetricsArrow, writeFileAtomically, writeMetricsParquet} from "./metricsFiles.js";

/** The studio's folder (data/runs and src/data/live are under it). */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL("../../", import.meta.url)));

/** Where run records live: DSCHAT_STUDIO_RUNS, or data/runs of the studio. */
export function runsRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.DSCHAT_STUDIO_RUNS ? resolve(env.DSCHAT_STUDIO_RUNS) : join(PROJECT_ROOT, "data", "runs");
}

export const RECORD_FILE = "record.json";

export interface StreamRecord {
  host: string;
  /** CloudWatch's forward token after the last event stored (null for imported logs). */
  token: string | null;
  /** Bytes of logs/<host>.log.gz committed. */
  bytes: number;
  parse: StreamParseState;
}

export interface HistoryEntry {
  observed_at: string;
  status: string;
  secondary_status: string;
  billable_seconds: number | null;
  failure_reason: string | null;
}

/** record.json (schemas/run-record.schema.json). */
export interface RunRecordDocument {
  schema_version: (typeof SCHEMA_VERSIONS)["run-record"];
  job: string;
  simulated: boolean;
  /** "sagemaker": watched from SageMaker (or the emulator); "import": a log file from elsewhere (import-log). */
  source: "sagemaker" | "import";
  step: Phase;
  script: TrainingScript;
  created_at: string;
  updated_at: string;
  description: JobDescription | null;
  history: HistoryEntry[];
  has_plan: boolean;
  has_manifest: boolean;
  metrics: {rows: number; names: string[]};
  measurement: RunMeasurement;
  comparison: EstimateComparison | null;
  streams: Record<string, StreamRecord>;
  last_lines: Array<{host: string; message: string}>;
  /** The job ended and its logs were read to the end: nothing more will come. */
  complete: boolean;
}

const LOCK_WAIT_MS = 30_000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes `lock` in `dir`: waits while a live process holds it, takes over a dead one's. */
async function acquireLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, "lock");
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rm(path, {force: true});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(path, {encoding: "utf8", flag: "r"}).trim() || "0");
      if (!holder || !pidAlive(holder)) {
        await rm(path, {force: true});
        continue;
      }
      if (Date.now() > deadline)
        throw new UserError(`is being written by process ${holder} for more than ${LOCK_WAIT_MS / 1000} s`, {where: {file: dir}, fix: `Wait for it to finish, or stop process ${holder}.`});
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

const safeName = (text: string) => text.replace(/[^A-Za-z0-9._-]/g, "_");

export class RunRecord {
  private pendingLogs = new Map<string, string[]>();
  private plan: Plan | null = null;
  private planChanged = false;
  private manifestText: string | null = null;

  private constructor(
    readonly dir: string,
    public doc: RunRecordDocument,
    public rows: RunMetricRow[],
    private readonly release: () => Promise<void>
  ) {}

  /** Opens (or creates) the record of `job`, locked until `close`; cuts off whatever a killed writer left uncommitted. */
  static async open(root: string, job: string, init: {simulated: boolean; source: RunRecordDocument["source"]; step: Phase; script: TrainingScript}): Promise<RunRecord> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(job)) throw new UserError(`${JSON.stringify(job)} cannot name a run record`, {fix: "Use letters, digits, '.', '_' and '-' (a SageMaker job name is always fine)."});
    const dir = join(root, job);
    await mkdir(join(dir, "logs"), {recursive: true});
    const release = await acquireLock(dir);
    try {
      const existing = existsSync(join(dir, RECORD_FILE)) ? (JSON.parse(await readFile(join(dir, RECORD_FILE), "utf8")) as RunRecordDocument) : null;
      const now = new Date().toISOString();
      const doc: RunRecordDocument = existing ?? {
        schema_version: SCHEMA_VERSIONS["run-record"],
        job,
        ...init,
        created_at: now,
        updated_at: now,
        description: null,
        history: [],
        has_plan: false,
        has_manifest: false,
        metrics: {rows: 0, names: []},
        measurement: measureRun([], {first: null, last: null}),
        comparison: null,
        streams: {},
        last_lines: [],
        complete: false
      };
      for (const state of Object.values(doc.streams)) {
        const log = join(dir, "logs", `${safeName(state.host)}.log.gz`);
        if (existsSync(log)) await truncate(log, state.bytes);
      }
      const rows = (await readMetricsArrow(join(dir, "metrics.arrow"))).slice(0, doc.metrics.rows);
      const record = new RunRecord(dir, doc, rows, release);
      if (existsSync(join(dir, "plan.json"))) record.plan = JSON.parse(await readFile(join(dir, "plan.json"), "utf8")) as Plan;
      return record;
    } catch (error) {
      await release();
      throw error;
    }
  }

  get planOf(): Plan | null {
    return this.plan;
  }

  setPlan(plan: Plan): void {
    this.plan = plan;
    this.planChanged = true;
  }

  setManifest(manifest: Manifest): void {
    this.manifestText = JSON.stringify(manifest, null, 2) + "\n";
  }

  setDescription(description: JobDescription): void {
    const doc = this.doc;
    doc.description = description;
    doc.simulated = doc.simulated || description.simulated;
    const last = doc.history.at(-1);
    if (!last || last.status !== description.status || last.secondary_status !== description.secondary_status || last.billable_seconds !== description.billable_seconds || last.failure_reason !== description.failure_reason)
      doc.history.push({observed_at: new Date().toISOString(), status: description.status, secondary_status: description.secondary_status, billable_seconds: description.billable_seconds, failure_reason: description.failure_reason});
  }

  /** Adds the next lines of a log stream (CloudWatch stream name, or the imported file); `token` is where reading stopped. */
  addLines(stream: string, host: string, lines: readonly LogLine[], token: string | null): void {
    const state = (this.doc.streams[stream] ??= {host, token: null, bytes: 0, parse: newStreamParseState()});
    state.token = token ?? state.token;
    if (lines.length === 0) return;
    const pending = this.pendingLogs.get(stream) ?? [];
    pending.push(...lines.map((line) => line.message));
    this.pendingLogs.set(stream, pending);
    if (isRankZeroHost(host)) this.rows.push(...metricRowsOfLines(lines, state.parse, {script: this.doc.script, step: this.doc.step, host}));
    else state.parse.lines += lines.length;
    this.doc.last_lines = [...this.doc.last_lines, ...lines.slice(-20).map((line) => ({host, message: line.message}))].slice(-20);
  }

  /** Writes everything added since the last commit; record.json last. */
  async commit(options: {complete?: boolean} = {}): Promise<void> {
    const doc = this.doc;
    for (const [stream, lines] of this.pendingLogs) {
      const state = doc.streams[stream]!;
      const member = gzipSync(Buffer.from(lines.join("\n") + "\n"));
      await appendFile(join(this.dir, "logs", `${safeName(state.host)}.log.gz`), member);
      state.bytes += member.length;
    }
    this.pendingLogs.clear();
    const changedRows = this.rows.length !== doc.metrics.rows || !existsSync(join(this.dir, "metrics.arrow"));
    if (changedRows) {
      await writeFileAtomically(join(this.dir, "metrics.arrow"), metricRowsToArrow(this.rows));
      await writeMetricsParquet(join(this.dir, "metrics.parquet"), this.rows);
    }
    if (this.planChanged && this.plan) await writeFileAtomically(join(this.dir, "plan.json"), JSON.stringify(this.plan, null, 2) + "\n");
    if (this.manifestText) await writeFileAtomically(join(this.dir, "manifest.json"), this.manifestText);
    doc.has_plan = doc.has_plan || (this.planChanged && this.plan !== null);
    doc.has_manifest = doc.has_manifest || this.manifestText !== null;
    this.planChanged = false;
    this.manifestText = null;
    doc.metrics = {rows: this.rows.length, names: [...new Set(this.rows.map((row) => row.metric))]};
    const parse = Object.values(doc.streams).find((s) => isRankZeroHost(s.host))?.parse;
    doc.measurement = measureRun(this.rows, {first: parse?.firstStamp ?? null, last: parse?.lastStamp ?? null});
    doc.comparison = !this.plan
      ? null
      : doc.script === "step2-dpo"
        ? {step: 2, memory: null, time: null, notes: ["no estimate: the studio's memory and time model covers step 2's reward model, not DPO (policy and reference model)"]}
        : compareEstimate(this.plan, doc.step, doc.measurement);
    if (options.complete) doc.complete = true;
    doc.updated_at = new Date().toISOString();
    await writeFileAtomically(join(this.dir, RECORD_FILE), JSON.stringify(doc, null, 2) + "\n");
  }

  async close(): Promise<void> {
    await this.release();
  }
}

/** Every run record under `root` (record.json read as committed), newest first. */
export async function listRunRecords(root: string): Promise<RunRecordDocument[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const records: RunRecordDocument[] = [];
  for (const name of names) {
    const path = join(root, name, RECORD_FILE);
    if (!existsSync(path)) continue;
    try {
      records.push(JSON.parse(await readFile(path, "utf8")) as RunRecordDocument);
    } catch {
      continue; // a record.json is replaced atomically: an unreadable one is not ours
    }
  }
  return records.sort((a, b) => b.created_at.localeCompare(a.created_at) || a.job.localeCompare(b.job));
}

