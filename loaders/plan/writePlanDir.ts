/** Writes what `plan --out DIR` promises: plan.json (re-loadable with --from), ds_config.json and a runnable run.sh. */
import {chmod, mkdir, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {UserError} from "../../src/core/contract/userError.js";
import type {PlanReport} from "../../src/core/report/planReport.js";
import {runScript, type RunScriptOptions} from "../../src/core/report/runScript.js";

export const PLAN_FILES = ["plan.json", "ds_config.json", "run.sh"] as const;

export async function writePlanDir(dir: string, report: PlanReport, scriptOptions: RunScriptOptions = {}): Promise<string[]> {
  const written = PLAN_FILES.map((name) => join(dir, name));
  try {
    await mkdir(dir, {recursive: true});
    await writeFile(written[0], JSON.stringify(report.plan, null, 2) + "\n");
    await writeFile(written[1], JSON.stringify(report.ds_config, null, 2) + "\n");
    await writeFile(written[2], runScript(report, scriptOptions));
    await chmod(written[2], 0o755);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code) throw error;
    throw new UserError(`cannot be written (${code})`, {where: {option: "--out", file: dir}, fix: "Pass a folder you can write to.", cause: error});
  }
  return written;
}
