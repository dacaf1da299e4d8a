/**
 * `import-log`: a DS-Chat log from a run outside SageMaker (a workstation, another cloud) → the same run record a
 * watched job gets, parsed with the same table. The log is one host's output ("local"); each line's time is the last
 * DeepSpeed logger stamp before it. The record's name derives from the file's content, so importing the same log twice
 * finds the first record instead of storing its lines twice.
 */
import {createHash} from "node:crypto";
import {existsSync, readFileSync} from "node:fs";
import {basename, join} from "node:path";
import {gunzipSync} from "node:zlib";
import type {Phase} from "../../src/core/canonical.js";
import {UserError} from "../../src/core/contract/userError.js";
import type {Plan} from "../../src/core/plan/normalizePlan.js";
import {scriptOfPhase, type TrainingScript} from "../../src/core/runs/logLines.js";
import {deepspeedTimestamp, type LogLine} from "../../src/core/runs/metricRows.js";
import {splitLines} from "../../src/core/runs/parseLogLines.js";
import {RECORD_FILE, RunRecord, type RunRecordDocument} from "./runRecord.js";

export const IMPORTED_HOST = "local";

/** The lines of a log file (gzip or text), each with the last DeepSpeed stamp seen so far. */
export function readLogFile(file: string): LogLine[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new UserError(`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {where: {file}, fix: "Pass the path of a DS-Chat training log (e.g. training.log)."});
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  let stamp: number | null = null;
  return splitLines(bytes.toString("utf8")).map((message) => {
    stamp = deepspeedTimestamp(message) ?? stamp;
    return {message, timestamp: stamp};
  });
}

export interface ImportOptions {
  root: string;
  plan: Plan;
  /** Which step of the plan the log is (default: the plan's only step). */
  step?: Phase;
  script?: TrainingScript;
  name?: string;
}

export async function importLog(file: string, options: ImportOptions): Promise<{record: RunRecordDocument; created: boolean}> {
  const step = options.step ?? (options.plan.steps.length === 1 ? options.plan.steps[0]! : null);
  if (step === null || !options.plan.steps.includes(step))
    throw new UserError(`the plan runs steps ${options.plan.steps.join(", ")}: say which one the log is`, {where: {option: "--step"}, fix: `Pass --step ${options.plan.steps[0]}.`});
  const lines = readLogFile(file);
  const digest = createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 10);
  const name = options.name ?? `import-step${step}-${basename(file).replace(/\.gz$/, "").replace(/\.log$/, "").replace(/[^A-Za-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "log"}-${digest}`;
  if (existsSync(join(options.root, name, RECORD_FILE))) {
    const record = await RunRecord.open(options.root, name, {simulated: false, source: "import", step, script: options.script ?? scriptOfPhase(step)});
    await record.close();
    if (record.doc.complete) return {record: record.doc, created: false};
  }
  const record = await RunRecord.open(options.root, name, {simulated: false, source: "import", step, script: options.script ?? scriptOfPhase(step)});
  try {
    record.setPlan({...options.plan, steps: [step]});
    record.addLines(basename(file), IMPORTED_HOST, lines, null);
    await record.commit({complete: true});
    return {record: record.doc, created: true};
  } finally {
    await record.close();
  }
}
