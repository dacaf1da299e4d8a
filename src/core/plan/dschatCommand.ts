/**
 * The `deepspeed` launch command for each step of a plan, run from the DeepSpeed-Chat root (applications/DeepSpeed-Chat) so
 * that relative output paths mean the same thing in every step (step 3 reads step 1's and step 2's outputs).
 * Only arguments that differ from main.py's defaults are written, plus required ones, so the line reads like DS-Chat's own
 * training_scripts; `--deepspeed` is always passed, `--deepspeed_config` never (main.py builds its own config).
 */
import type {Phase} from "../canonical.js";
import {shellQuote} from "../contract/shell.js";
import type {ArgSpec} from "./dschatArgs.js";
import {argSpecsByStep, stepDirectory} from "./dschatArgs.js";
import type {Plan} from "./normalizePlan.js";
import {stepArgs} from "./normalizePlan.js";

export interface StepCommand {
  step: Phase;
  /** The step's directory (its main.py), relative to the DeepSpeed-Chat root, which is the working directory. */
  stepDirectory: string;
  argv: string[];
  /** argv quoted for a POSIX shell. */
  shell: string;
}

/** argparse's `float()` reads both; exponent form keeps small learning rates readable (9.65e-6, not 0.00000965). */
export function formatNumber(value: number): string {
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential();
  return String(value);
}

/** Quoting lives with the other shell rules (src/core/contract/shell.ts); re-exported for the plan's callers. */
export {shellQuote};

function sameValue(spec: ArgSpec, value: unknown): boolean {
  if (spec.kind === "strings") return Array.isArray(value) && value.length === spec.default.length && value.every((v, i) => v === spec.default[i]);
  return value === spec.default;
}

/** The main.py arguments for one step: non-default and required ones, in the parser's order. */
export function mainPyArgs(plan: Plan, step: Phase): string[] {
  const args = stepArgs(plan, step) as Record<string, unknown>;
  const argv: string[] = [];
  for (const spec of argSpecsByStep[step]) {
    const value = args[spec.name];
    const required = spec.kind === "string" && "required" in spec && spec.required;
    if (!required && sameValue(spec, value)) continue;
    if (value === null || value === undefined) continue;
    const flag = `--${spec.name}`;
    if (spec.kind === "bool") {
      if (value === true) argv.push(flag);
    } else if (spec.kind === "strings") {
      argv.push(flag, ...(value as string[]));
    } else if (typeof value === "number") {
      argv.push(flag, formatNumber(value));
    } else {
      argv.push(flag, String(value));
    }
  }
  argv.push("--deepspeed");
  return argv;
}

/**
 * @param gpusPerNode GPUs the launcher starts per node
 * @param nodes node count; above 1 the launcher needs a hostfile (DeepSpeed's default /job/hostfile)
 */
export function dschatCommand(plan: Plan, step: Phase, gpusPerNode: number, nodes = 1): StepCommand {
  const launcher = nodes > 1 ? ["deepspeed", "--num_nodes", String(nodes), "--num_gpus", String(gpusPerNode)] : ["deepspeed", "--num_gpus", String(gpusPerNode)];
  const argv = [...launcher, `${stepDirectory[step]}/main.py`, ...mainPyArgs(plan, step)];
  return {step, stepDirectory: stepDirectory[step], argv, shell: argv.map(shellQuote).join(" ")};
}
