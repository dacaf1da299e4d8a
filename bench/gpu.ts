// `npm run bench -- gpu [--results FILE...] [--measure] [--only TEXT]`
// The memory and time estimate of `dschat-studio plan --json` against DS-Chat's step 1 measured on a GPU.
// Without --measure it compares the committed measurements (bench/gpu/results/*.jsonl); with --measure it first runs
// bench/gpu/measure.py on this machine's GPU (torch + CUDA needed; otherwise it says why it cannot) into bench/out/.
import {spawnSync} from "node:child_process";
import {existsSync, mkdirSync, readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {Writable} from "node:stream";
import {fileURLToPath} from "node:url";
import {parseArgs} from "node:util";
import {main} from "../cli/main.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const GiB = 2 ** 30;

interface Measurement {
  key: string;
  point: Record<string, unknown> & {per_device_train_batch_size: number; max_seq_len: number; model: string};
  attention: "eager" | "sdpa";
  max_memory_allocated: number;
  peak_eval_bytes: number;
  seconds_per_step: number;
  error?: string;
}

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** The DS-Chat arguments of a measured point as `plan` flags (DS-Chat's own spelling). */
function planArgs(point: Measurement["point"]): string[] {
  const args = ["--step", "1", "--model", String(point.model), "--instance", "ml.p5en.48xlarge", "--gpus", "1", "--price", "1"];
  const flags = ["per_device_train_batch_size", "per_device_eval_batch_size", "max_seq_len", "zero_stage", "dtype", "lora_dim"];
  for (const flag of flags) args.push(`--${flag}`, String(point[flag]));
  if (Number(point.lora_dim) > 0) args.push("--lora_module_name", String(point.lora_module_name));
  for (const flag of ["only_optimize_lora", "gradient_checkpointing", "add_eot_token"]) if (point[flag]) args.push(`--${flag}`);
  // One optimizer step's tokens, so that the time estimate is the time of one step.
  args.push("--tokens-per-epoch", String(point.per_device_train_batch_size * point.max_seq_len));
  return args;
}

async function planJson(args: string[]): Promise<any> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(["plan", ...args, "--json"], {stdout, stderr, env: process.env, cwd: root});
  if (code !== 0 && code !== 4) throw new Error(`plan ${args.join(" ")} exited ${code}: ${stderr.text}`);
  return JSON.parse(stdout.text);
}

function readResults(file: string): {environment: any; points: Measurement[]} {
  const rows = readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line));
  return {environment: rows.find((row) => row.environment)?.environment ?? {}, points: rows.filter((row) => row.key)};
}

function measure(only: string[]): string | null {
  const probe = spawnSync("python3", ["-c", "import torch, transformers; assert torch.cuda.is_available(), 'no CUDA device'"], {encoding: "utf8"});
  if (probe.status !== 0) {
    console.log(`--measure: cannot measure here (${(probe.stderr || probe.error?.message || "").trim().split("\n").pop()}); run bench/gpu/measure.py on a machine with torch and a CUDA GPU.`);
    return null;
  }
  mkdirSync(join(root, "bench/out"), {recursive: true});
  const out = join(root, "bench/out", `gpu-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-")}.jsonl`);
  const run = spawnSync("python3", [join(root, "bench/gpu/measure.py"), "--out", out, ...only.flatMap((text) => ["--only", text])], {stdio: "inherit"});
  if (run.status !== 0) throw new Error(`measure.py exited ${run.status}`);
  return out;
}

const pct = (estimate: number, measured: number) => `${estimate >= measured ? "+" : ""}${((estimate / measured - 1) * 100).toFixed(1)}%`;
const gib = (bytes: number) => (bytes / GiB).toFixed(2);

export default async function bench(args: string[]): Promise<void> {
  const {values} = parseArgs({args, options: {results: {type: "string", multiple: true}, measure: {type: "boolean", default: false}, only: {type: "string", multiple: true}}});
  const only = values.only ?? [];
  const files = values.results ?? [];
  if (values.measure) {
    const measured = measure(only);
    if (measured) files.push(measured);
  }
  if (files.length === 0) {
    const dir = join(root, "bench/gpu/results");
    if (existsSync(dir)) files.push(...readdirSync(dir).filter((name) => name.endsWith(".jsonl")).map((name) => join(dir, name)));
  }
  for (const file of files) {
    const {environment, points} = readResults(file);
    console.log(`\n${file}\n${environment.gpu}, torch ${environment.torch}, CUDA ${environment.cuda}, transformers ${environment.transformers}; estimate = dschat-studio plan --json (allocated GiB per GPU)`);
    console.log("| point | attention | training est. | measured | diff | evaluation est. | measured | diff | ms/step est. | measured | achieved TFLOP/s |");
    console.log("|---|---|---|---|---|---|---|---|---|---|---|");
    let worst = 0;
    for (const point of points.filter((p) => !p.error && (only.length === 0 || only.some((text) => p.key.includes(text))))) {
      // measure.py reproduces DeepSpeed v0.18.8; the transformers release decides the attention kernel (OPT: SDPA from
      // 4.46), so a point forced to eager attention is planned at a release before that.
      const forcedEager = point.attention === "eager" && String(point.point.model).includes("opt-");
      const args = [...planArgs(point.point), "--deepspeed-version", "0.18.8", "--transformers-version", forcedEager ? "4.45.2" : environment.transformers];
      const report = await planJson(args);
      const step = report.memory.steps[0];
      const phases: {phase: string; allocated_gib: number}[] = step.phases;
      const training = Math.max(...phases.filter((p) => p.phase !== "evaluation").map((p) => p.allocated_gib)) * GiB;
      const evaluation = phases.find((p) => p.phase === "evaluation")!.allocated_gib * GiB;
      const hours = report.estimate.time?.steps?.[0]?.training_hours ?? NaN;
      const flopsPerToken = report.estimate.time?.steps?.[0]?.flops_per_token ?? NaN;
      const tokens = point.point.per_device_train_batch_size * point.point.max_seq_len;
      worst = Math.max(worst, Math.abs(training / point.max_memory_allocated - 1), Math.abs(evaluation / point.peak_eval_bytes - 1));
      console.log(
        `| ${point.key} | ${point.attention} | ${gib(training)} | ${gib(point.max_memory_allocated)} | ${pct(training, point.max_memory_allocated)} | ${gib(evaluation)} | ${gib(point.peak_eval_bytes)} | ${pct(evaluation, point.peak_eval_bytes)} | ${(hours * 3.6e6).toFixed(0)} | ${(point.seconds_per_step * 1000).toFixed(0)} | ${((flopsPerToken * tokens) / point.seconds_per_step / 1e12).toFixed(0)} |`
      );
    }
    console.log(`\nlargest memory difference: ${(worst * 100).toFixed(1)}%`);
  }
}
