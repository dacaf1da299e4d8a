/**
 * Regenerates the simulated run shipped in data/runs, so that `npm start` on a fresh clone shows a run: the shipped
 * hh-rlhf sample converted, a plan with the configuration of DeepSpeed-Chat's published step-1 log (opt-1.3b, ZeRO-2,
 * batch 8, 16 epochs, 2 × 8 V100-32GB, and the DeepSpeed and transformers of April 2023, when OPT still ran eager
 * attention, so that the estimate is set against what that log measured), submitted with --watch to the local emulator, which replays that log. The record
 * says SIMULATED everywhere. Run: `npm run sample-run` (about a minute); commit data/runs.
 */
import {cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {main} from "../cli/main.js";
import {startEmulator} from "../loaders/emulator/server.js";

/** The software DS-Chat's requirements asked for when the replayed log was written (April 2023). */
const ERA_OF_THE_LOG = ["--deepspeed-version", "0.9.0", "--transformers-version", "4.28.1", "--torch-version", "2.0.0"];
const root = fileURLToPath(new URL("..", import.meta.url));
const runsDir = join(root, "data", "runs");
const work = mkdtempSync(join(tmpdir(), "dschat-sample-run-"));
const emulator = await startEmulator({dataDir: join(work, "emulator"), speed: 10});
const env = {...process.env, ...emulator.endpoints, AWS_REGION: "us-east-1", DSCHAT_STUDIO_CACHE: join(work, "cache"), DSCHAT_STUDIO_RUNS: join(work, "runs"), DSCHAT_STUDIO_LIVE_DIR: join(work, "live")};
const stdout = {text: "", write(chunk: string) { this.text += chunk; return true; }};
const run = async (...args: string[]) => {
  stdout.text = "";
  const code = await main(args, {stdout: stdout as never, stderr: process.stderr, env, cwd: root});
  if (code !== 0) throw new Error(`dschat-studio ${args.join(" ")} exited ${code}`);
  return stdout.text;
};
try {
  await run("convert", "data/samples/hh-rlhf-harmless-base/test.jsonl.gz", "--out", join(work, "hh"));
  await run("plan", "--model", "facebook/opt-1.3b", "--zero_stage", "2", "--per_device_train_batch_size", "8", "--num_train_epochs", "16", "--instance", "ml.p3dn.24xlarge", "--nodes", "2", ...ERA_OF_THE_LOG, "--data", join(work, "hh"), "--out", join(work, "plan"));
  const submission = JSON.parse(await run("submit", join(work, "plan", "plan.json"), "--data", join(work, "hh"), "--watch", "--json"));
  const job: string = submission.jobs[0].name;
  const ignore = join(runsDir, ".gitignore");
  const previous = existsSync(ignore) ? [...readFileSync(ignore, "utf8").matchAll(/^!\/(dschat-[^/]+)\/$/gm)].map((m) => m[1]!) : [];
  for (const name of previous) rmSync(join(runsDir, name), {recursive: true, force: true});
  cpSync(join(work, "runs", job), join(runsDir, job), {recursive: true, filter: (source) => !source.endsWith("/lock")});
  writeFileSync(
    ignore,
    `# Run records are yours (dschat-studio watch, submit --watch, import-log) and stay out of git; the one committed is the\n# simulated sample that npm start shows on a fresh clone (npm run sample-run regenerates it).\n/*\n!/.gitignore\n!/${job}/\n`
  );
  process.stderr.write(`wrote ${join(runsDir, job)}\n`);
} finally {
  await emulator.close();
  rmSync(work, {recursive: true, force: true});
}
