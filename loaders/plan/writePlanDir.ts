/**
 * Writes what `plan --out DIR` promises: plan.json (re-loadable with --from), ds_config.json and a runnable run.sh,
 * through the safe output replacer (loaders/fs/outputDir.ts): DIR is replaced only when it is empty or an unchanged
 * earlier `plan --out`, atomically.
 */
import {chmod, readFile, stat, writeFile} from "node:fs/promises";
import {join} from "node:path";
import type {PlanReport} from "../../src/core/report/planReport.js";
import {runScript, RUN_SCRIPT_HEADER, type RunScriptOptions} from "../../src/core/report/runScript.js";
import {replaceOutputDir, restoreOutput} from "../fs/outputDir.js";

export const PLAN_FILES = ["plan.json", "ds_config.json", "run.sh"] as const;

/** What a `plan --out` folder is, for the output replacer. */
export const PLAN_OUTPUT = {kind: "plan", files: PLAN_FILES, isLegacyOutput: (dir: string, names: readonly string[]) => isLegacyPlanOutput(dir, names)};

/** Puts back a `plan --out` folder a killed run left aside; `plan` calls it before anything else. */
export function restorePlanDir(dir: string): Promise<void> {
  return restoreOutput(dir, PLAN_OUTPUT);
}

export async function writePlanDir(dir: string, report: PlanReport, scriptOptions: RunScriptOptions = {}): Promise<string[]> {
  const script = runScript(report, scriptOptions);
  await replaceOutputDir(dir, {
    ...PLAN_OUTPUT,
    write: async (folder) => {
      await writeFile(join(folder, "plan.json"), JSON.stringify(report.plan, null, 2) + "\n");
      await writeFile(join(folder, "ds_config.json"), JSON.stringify(report.ds_config, null, 2) + "\n");
      await writeFile(join(folder, "run.sh"), script);
      await chmod(join(folder, "run.sh"), 0o755);
    }
  });
  return PLAN_FILES.map((name) => join(dir, name));
}

/** A `plan --out` folder of an earlier version (no marker file): exactly the three files, run.sh with our header. */
async function isLegacyPlanOutput(dir: string, names: readonly string[]): Promise<boolean> {
  const expected = [...PLAN_FILES].sort();
  const sorted = [...names].sort();
  if (sorted.length !== expected.length || sorted.some((name, i) => name !== expected[i])) return false;
  try {
    for (const name of names) if (!(await stat(join(dir, name))).isFile()) return false;
    const plan = JSON.parse(await readFile(join(dir, "plan.json"), "utf8")) as {steps?: unknown};
    return Array.isArray(plan.steps) && (await readFile(join(dir, "run.sh"), "utf8")).startsWith(RUN_SCRIPT_HEADER);
  } catch {
    return false;
  }
}
