/**
 * What a report holds, gathered from the same code the CLI runs: per chosen dataset its manifest counts, a sample of
 * train.json rows as DS-Chat reads them, `lint` (and with a tokenizer `stats`); the plan as `plan --from` reports it;
 * per chosen run what `runs` shows and its metric rows. Then made shareable: every absolute local path (the folders
 * given, the working folder, the studio's folder, $HOME) is replaced by a relative name, and any string that is an
 * absolute path by its base name. Nothing else is read: no other dataset, no environment variable.
 */
import {basename, dirname, resolve} from "node:path";
import {UserError} from "../../src/core/contract/userError.js";
import {readPlanFile} from "../aws/submitPlan.js";
import {readManifest} from "../engine/readManifest.js";
import {openRegularFile} from "../fs/regularFile.js";
import {readMetricsArrow} from "../runs/metricsFiles.js";
import {listRunRecords, PROJECT_ROOT, runsRoot} from "../runs/runRecord.js";
import {runSummary} from "../runs/runsIndex.js";

export const SAMPLE_ROWS = 20;

export interface ReportInputs {
  dataDirs: readonly string[];
  planFile: string;
  jobs: readonly string[];
  tokenizer?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The `--json` document of `plan`, `lint` or `stats` for these arguments (the CLI runs its own commands). */
  documentOf: (command: "plan" | "lint" | "stats", argv: string[]) => Promise<Record<string, unknown>>;
}

/** The first rows of train.json, each as the `{prompt, chosen, rejected}` object DS-Chat's local/jsonfile reads. */
async function sampleRows(dir: string): Promise<unknown[]> {
  const path = resolve(dir, "train.json");
  const {handle} = await openRegularFile(path, {option: "--data"});
  const rows: unknown[] = [];
  try {
    for await (const line of handle.readLines({encoding: "utf8"})) {
      if (!line.trim()) continue;
      rows.push(JSON.parse(line));
      if (rows.length >= SAMPLE_ROWS) break;
    }
  } finally {
    await handle.close();
  }
  return rows;
}

export async function collectReport({dataDirs, planFile, jobs, tokenizer, env, documentOf}: ReportInputs) {
  const plan = readPlanFile(planFile);
  const datasets = [];
  let planData: string | null = null;
  for (const dir of dataDirs) {
    const manifest = readManifest(dir)!; // required: a convert output
    if (plan.dataset?.cache_key === manifest.cache_key) planData = dir;
    datasets.push({
      name: manifest.inputs.map((input) => basename(input.source)).join(", "),
      key: manifest.cache_key,
      format: manifest.format,
      counts: manifest.counts,
      inputs: manifest.inputs.map((input) => ({source: basename(input.source), format: input.format, counts: input.counts})),
      warnings: manifest.warnings,
      sample: await sampleRows(dir),
      lint: await documentOf("lint", [dir, "--plan", planFile, ...(tokenizer ? ["--tokenizer", tokenizer] : [])]),
      stats: tokenizer ? await documentOf("stats", [dir, "--tokenizer", tokenizer, "--model", plan.step1.model_name_or_path ?? tokenizer]) : null
    });
  }
  const planDoc = await documentOf("plan", ["--from", planFile, ...(planData ? ["--data", planData] : [])]);
  const root = runsRoot(env);
  const records = await listRunRecords(root);
  const runs = [];
  for (const job of jobs) {
    const record = records.find((r) => r.job === job);
    if (!record)
      throw new UserError(`no run record ${job} in ${root}`, {where: {option: "--run"}, fix: "Pass a job 'dschat-studio runs' lists (record it first with 'dschat-studio watch JOB')."});
    const metrics = (await readMetricsArrow(resolve(root, job, "metrics.arrow"))).slice(0, record.metrics.rows).map((row) => ({...row, run: job}));
    runs.push({summary: await runSummary(root, record), metrics});
  }
  return {title: `DS-Chat report: ${datasets.map((d) => d.name).join("; ") || "plan"}`, created_at: new Date().toISOString(), datasets, plan: planDoc, runs};
}

export type ReportData = Awaited<ReturnType<typeof collectReport>>;

const isAbsolutePath = (value: string) => /^\/[^\s]/.test(value) || /^[A-Za-z]:[\\/]/.test(value);

/**
 * The report with no local path: the folders the user named become `data/<name>`, `plan/`, `runs/`; the working
 * folder `.`, the studio `dschat-studio`, $HOME `~`; a string that still is an absolute path becomes its base name.
 * Returns the JSON text and the paths it looked for (the site is scanned for them again once built).
 */
export function redactPaths(data: ReportData, {dataDirs, planFile, env, cwd}: Pick<ReportInputs, "dataDirs" | "planFile" | "env" | "cwd">): {json: string; paths: string[]} {
  const replacements: Array<[string, string]> = [
    ...dataDirs.map((dir): [string, string] => [resolve(cwd, dir), `data/${basename(resolve(cwd, dir))}`]),
    [dirname(resolve(cwd, planFile)), "plan"],
    [runsRoot(env), "runs"],
    [cwd, "."],
    [PROJECT_ROOT.replace(/\/$/, ""), "dschat-studio"],
    ...(env.HOME && env.HOME.length > 1 ? [[env.HOME, "~"] as [string, string]] : [])
  ];
  replacements.splice(0, replacements.length, ...replacements.filter(([path]) => path.length > 1).sort((a, b) => b[0].length - a[0].length));
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") {
      let text = value;
      for (const [path, name] of replacements) text = text.split(path).join(name);
      return isAbsolutePath(text) && !text.startsWith("/opt/ml/") ? basename(text) : text;
    }
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item)]));
    return value;
  };
  return {json: JSON.stringify(walk(data)), paths: replacements.map(([path]) => path)};
}
