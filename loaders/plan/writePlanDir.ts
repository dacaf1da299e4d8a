/** Writes what `plan --out DIR` promises: plan.json (re-loadable with --from), ds_config.json and a runnable run.sh. */
import {chmod, mkdir, writeFile} from "node:fs/promises";
import {join} from "node:path";
import type {PlanReport} from "../../src/core/plan/planReport.js";
import {runScript} from "../../src/core/plan/runScript.js";

export const PLAN_FILES = ["plan.json", "ds_config.json", "run.sh"] as const;

export async function writePlanDir(dir: string, report: PlanReport): Promise<string[]> {
  await mkdir(dir, {recursive: true});
  const written = PLAN_FILES.map((name) => join(dir, name));
  await writeFile(written[0], JSON.stringify(report.plan, null, 2) + "\n");
  await writeFile(written[1], JSON.stringify(report.ds_config, null, 2) + "\n");
  await writeFile(written[2], runScript(report));
  await chmod(written[2], 0o755);
  return written;
}
