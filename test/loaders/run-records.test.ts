/**
 * Run records: a simulated job watched into data/runs holds exactly the metric rows that parsing its log file directly
 * gives; watching again or concurrently adds nothing; a writer killed mid-commit is cut back to its last commit;
 * import-log gives the same record for a log from elsewhere, and the plan's estimate is set against what the log
 * measured (DS-Chat's published step-1 log: MaxMemAllocated 22.95 GB, 01:46:52 → 03:20:49).
 */
import assert from "node:assert/strict";
import {appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, it} from "node:test";
import {gunzipSync} from "node:zlib";
import {startEmulator, type Emulator} from "../../loaders/emulator/server.js";
import {readMetricsArrow} from "../../loaders/runs/metricsFiles.js";
import {RunRecord} from "../../loaders/runs/runRecord.js";
import {scriptOfPhase, type TrainingScript} from "../../src/core/runs/logLines.js";
import type {RunMetricRow} from "../../src/core/runs/metricRows.js";
import {parseLogLines} from "../../src/core/runs/parseLogLines.js";
import {json, runMain} from "../helpers/cli.js";
import {assertMatchesSchema} from "../helpers/schemas.js";

const work = mkdtempSync(join(tmpdir(), "dschat-run-records-"));
const runs = join(work, "runs");
let emulator: Emulator;
let env: NodeJS.ProcessEnv;
const cli = (...args: string[]) => runMain(args, {env});
const hh = join(work, "hh");
const fixture = (path: string) => readFileSync(new URL(`../fixtures/deepspeed-chat-logs/${path}`, import.meta.url), "utf8");
/** The published logs ran in April 2023: DeepSpeed 0.9 and transformers 4.28, what DS-Chat's requirements asked then. */
const ERA_OF_THE_LOGS = ["--deepspeed-version", "0.9.0", "--transformers-version", "4.28.1", "--torch-version", "2.0.0"];
const STEP1_LOG = "step1_supervised_finetuning/opt-1.3b-globalBatchSize128.log";

/** What a metric row says, without where it sits in its stream. */
const facts = (rows: ReadonlyArray<{metric: string; value: number; epoch?: number | null; kind: string}>) => rows.map((row) => `${row.kind} ${row.metric}=${row.value} epoch ${row.epoch ?? "-"}`);
const parsed = (path: string, script: TrainingScript) => facts(parseLogLines(fixture(path), {script}));

before(async () => {
  emulator = await startEmulator({dataDir: join(work, "emulator"), speed: 20});
  env = {...emulator.endpoints, AWS_REGION: "us-east-1", DSCHAT_STUDIO_CACHE: join(work, "cache"), DSCHAT_STUDIO_RUNS: runs, DSCHAT_STUDIO_LIVE_DIR: join(work, "live")};
  assert.equal((await cli("convert", "data/samples/hh-rlhf-harmless-base/test.jsonl.gz", "--out", hh)).code, 0);
});

after(async () => {
  await emulator?.close();
  rmSync(work, {recursive: true, force: true});
});

describe("submit --watch: the run record of a simulated job", () => {
  let job: string;
  let rows: RunMetricRow[];

  it("holds exactly the metrics that parsing its log file directly gives", async () => {
    // The replayed log's model and batch on 8 A100s (one A10G of the default instance has too little memory for it).
    assert.equal((await cli("plan", "--model", "facebook/opt-1.3b", "--zero_stage", "2", "--per_device_train_batch_size", "8", "--instance", "ml.p4d.24xlarge", "--data", hh, "--out", join(work, "plan"))).code, 0);
    const run = await cli("submit", join(work, "plan", "plan.json"), "--data", hh, "--watch", "--json");
    assert.equal(run.code, 0, run.stderr);
    const doc = json(run, "submission");
    job = doc.jobs[0].name;
    assert.equal(doc.jobs[0].run_record, join(runs, job));
    rows = await readMetricsArrow(join(runs, job, "metrics.arrow"));
    assert.deepEqual(facts(rows), parsed(STEP1_LOG, scriptOfPhase(1)));
    assert.ok(rows.every((row) => row.host === "algo-1" && row.step === 1 && row.time !== null));

    const record = JSON.parse(readFileSync(join(runs, job, "record.json"), "utf8"));
    assertMatchesSchema("run-record", record);
    assert.equal(record.simulated, true);
    assert.equal(record.complete, true);
    assert.equal(record.metrics.rows, rows.length);
    assert.deepEqual(record.history.map((h: {secondary_status: string}) => h.secondary_status).at(-1), "Completed");
    assert.equal(JSON.parse(readFileSync(join(runs, job, "plan.json"), "utf8")).dataset.cache_key, JSON.parse(readFileSync(join(hh, "manifest.json"), "utf8")).cache_key);
    const raw = gunzipSync(readFileSync(join(runs, job, "logs", "algo-1.log.gz"))).toString();
    assert.ok(raw.includes(fixture(STEP1_LOG).split("\n").slice(0, 200).join("\n")), "the raw lines are kept, compressed");
    // DuckDB reads the Parquet copy with the same rows.
    const {DuckDBInstance} = await import("@duckdb/node-api");
    const connection = await (await DuckDBInstance.create(":memory:")).connect();
    const counted = (await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n, sum(value) AS total FROM read_parquet('${join(runs, job, "metrics.parquet")}')`)).getRowObjects()[0]!;
    assert.equal(counted.n, rows.length);
    assert.ok(Math.abs(Number(counted.total) - rows.reduce((sum, row) => sum + row.value, 0)) < 1e-6);
  });

  it("is incremental: watching again, twice at once, adds nothing", async () => {
    const [first, second] = await Promise.all([cli("watch", job, "--json"), cli("watch", job, "--json")]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(json(first, "runs").runs[0].metrics.rows, rows.length);
    assert.deepEqual(facts(await readMetricsArrow(join(runs, job, "metrics.arrow"))), facts(rows));
  });

  it("cuts off what a writer killed mid-commit left beyond its last commit", async () => {
    const log = join(runs, job, "logs", "algo-1.log.gz");
    const bytes = readFileSync(log).length;
    appendFileSync(log, Buffer.from("half a gzip member"));
    const record = await RunRecord.open(runs, job, {simulated: true, source: "sagemaker", step: 1, script: "step1"});
    await record.close();
    assert.equal(readFileSync(log).length, bytes);
    assert.equal(record.rows.length, rows.length);
  });

  it("lists the run with its status, cost (simulated: 0) and measurement; runs --json matches its schema", async () => {
    const listed = json(await cli("runs", "--json"), "runs");
    const run = listed.runs.find((r: {job: string}) => r.job === job);
    assert.equal(run.status, "Completed");
    assert.equal(run.cost_usd, 0);
    assert.equal(run.measurement.peak_memory_gib, 22.95, "MaxMemAllocated of the replayed log");
    assert.equal(run.dataset.rows.train + run.dataset.rows.eval, 2312);
    const live = JSON.parse(readFileSync(join(work, "live", "runs.json"), "utf8"));
    assertMatchesSchema("runs", live);
    assert.ok(live.runs.some((r: {job: string}) => r.job === job), "watch rewrote the live index the Runs page polls");
  });
});

describe("submit --dpo: step 2 with DS-Chat's DPO script", () => {
  it("runs training/step2_dpo_finetuning with the plan's step-2 arguments, and its record holds the DPO log's metrics", async () => {
    assert.equal((await cli("plan", "--step", "2", "--model", "facebook/opt-350m", "--data", hh, "--out", join(work, "dpo"))).code, 0);
    const run = await cli("submit", join(work, "dpo", "plan.json"), "--data", hh, "--dpo", "--dschat-arg", "beta=0.1", "print_loss", "--watch", "--json");
    assert.equal(run.code, 0, run.stderr);
    const job = json(run, "submission").jobs[0];
    assert.equal(job.script, "step2-dpo");
    assert.match(job.name, /^dschat-dpo-opt-350m-/);
    assert.equal(job.request.HyperParameters.step, '"dpo"');
    assert.equal(job.request.HyperParameters.beta, '"0.1"');
    assert.equal(job.request.HyperParameters.num_padding_at_beginning, undefined, "a reward-model argument DPO's parser does not have");
    assert.ok(job.request.AlgorithmSpecification.MetricDefinitions.some((d: {Name: string}) => d.Name === "dpo:chosen_reward"));
    const record = JSON.parse(readFileSync(join(runs, job.name, "record.json"), "utf8"));
    assert.equal(record.script, "step2-dpo");
    const DPO_LOG = "step2_dpo_finetuning/opt-350M_globalBatchSize-32.log";
    assert.deepEqual(facts(await readMetricsArrow(join(runs, job.name, "metrics.arrow"))), parsed(DPO_LOG, "step2-dpo"));
    // The same log from elsewhere: import-log --dpo parses it with the DPO script's lines too.
    const imported = json(await cli("import-log", `test/fixtures/deepspeed-chat-logs/${DPO_LOG}`, "--plan", join(work, "dpo", "plan.json"), "--dpo", "--json"), "runs").runs[0];
    assert.equal(imported.script, "step2-dpo");
    assert.deepEqual(facts(await readMetricsArrow(join(runs, imported.job, "metrics.arrow"))), parsed(DPO_LOG, "step2-dpo"));
  });
});

describe("watch: failed runs, and GetMetricData when the logs cannot be read", () => {
  it("records a failed job's reason and last lines", async () => {
    const run = await cli("submit", join(work, "plan", "plan.json"), "--data", hh, "--dschat-arg", "lerning_rate=1e-5", "--json");
    const job = json(run, "submission").jobs[0].name;
    const watched = await cli("watch", job, "--follow", "--poll", "0.2", "--json");
    assert.equal(watched.code, 0, watched.stderr);
    const failed = json(watched, "runs").runs[0];
    assert.equal(failed.status, "Failed");
    assert.match(failed.failure_reason, /unrecognized arguments: --lerning_rate 1e-5/);
    assert.ok(failed.last_lines.some((line: {message: string}) => line.message.includes("main.py: error: unrecognized arguments: --lerning_rate 1e-5")));
  });

  it("takes the metric series of GetMetricData when reading the logs is denied", async () => {
    const run = await cli("submit", join(work, "plan", "plan.json"), "--data", hh, "--rerun", "--wait", "--json");
    assert.equal(run.code, 0, run.stderr);
    const job = json(run, "submission").jobs[0];
    emulator.injectFault({target: "Logs_20140328.DescribeLogStreams", type: "AccessDeniedException", message: "User: arn:aws:sts::123456789012:assumed-role/dev/me is not authorized to perform: logs:DescribeLogStreams", times: 1});
    const watched = await cli("watch", job.name, "--json");
    assert.equal(watched.code, 0, watched.stderr);
    const rows = await readMetricsArrow(join(runs, job.name, "metrics.arrow"));
    assert.ok(rows.length > 0 && rows.every((row) => row.kind === "cloudwatch-metric" && row.iteration === null));
    assert.deepEqual(new Set(rows.map((row) => row.metric)), new Set(job.final.final_metrics.map((metric: {name: string}) => metric.name)));
  });
});

describe("import-log", () => {
  it("turns DS-Chat's published step-1 log into a record, and sets the estimate against what it measured", async () => {
    const plan = join(work, "anchor");
    // The log's own command line, on 16 GPUs (global batch 128 = 16 × 8), with the software of its day (April 2023:
    // OPT ran eager attention then; transformers gave it SDPA only later, which the estimate follows).
    assert.equal((await cli("plan", "--model", "facebook/opt-1.3b", "--zero_stage", "2", "--per_device_train_batch_size", "8", "--num_train_epochs", "16", "--instance", "8xV100-32GB", "--nodes", "2", ...ERA_OF_THE_LOGS, "--out", plan)).code, 0);
    const file = join(work, "training.log");
    writeFileSync(file, fixture(STEP1_LOG));
    const run = await cli("import-log", file, "--plan", join(plan, "plan.json"), "--json");
    assert.equal(run.code, 0, run.stderr);
    const imported = json(run, "runs").runs[0];
    assert.equal(imported.simulated, false);
    assert.equal(imported.status, "Imported");
    assert.deepEqual(facts(await readMetricsArrow(join(runs, imported.job, "metrics.arrow"))), parsed(STEP1_LOG, "step1"));
    // The log's own clock: first DeepSpeed stamp 01:46:52,554, last 03:20:49,471.
    assert.equal(imported.measurement.wall_seconds, (Date.UTC(2023, 3, 18, 3, 20, 49, 471) - Date.UTC(2023, 3, 18, 1, 46, 52, 554)) / 1000);
    assert.equal(imported.measurement.iterations, 15 * 461 + 460 + 1, "16 epochs of micro-steps 0…460 (DeepSpeed prints every 10th)");
    const {memory, time} = imported.comparison;
    assert.equal(memory.measured_gib, 22.95);
    assert.ok(Math.abs(memory.diff_percent) < 15, `memory estimate ${memory.estimate_gib} GiB vs 22.95`);
    assert.ok(Math.abs(time.diff_percent) < 15, `time estimate ${time.estimate_hours * 60} min vs ${time.measured_hours * 60}`);
    const again = await cli("import-log", file, "--plan", join(plan, "plan.json"));
    assert.match(again.stderr, /already holds this log; nothing was added/);
  });

  it("parses the published step-2 and step-3 logs into exactly what the table gives, and their peaks agree with the estimate", async () => {
    // Each log's own command line (its first line), on 16 GPUs (2 nodes of 8: global batch 64 = 16 × 4).
    for (const [path, step, script, args, measuredGib] of [
      ["step2_reward_model_finetuning/opt-350m_globalBatchSize-64.log", "2", "step2-reward",
        ["--model", "facebook/opt-350m", "--per_device_train_batch_size", "4", "--per_device_eval_batch_size", "4", "--zero_stage", "0", "--learning_rate", "5e-5", "--weight_decay", "0.1"], 12.81],
      ["step3_rlhf_finetuning/actor_opt-1.3b_critic_opt-350m_globalBatchSize64.log", "3", "step3",
        ["--model", "facebook/opt-1.3b", "--critic-model", "facebook/opt-350m", "--per_device_generation_batch_size", "4", "--per_device_training_batch_size", "4",
          "--max_answer_seq_len", "256", "--max_prompt_seq_len", "256", "--actor_zero_stage", "2", "--critic_zero_stage", "2", "--enable_hybrid_engine", "--enable_ema", "--seed", "1234"], 20.55]
    ] as const) {
      const plan = join(work, `plan-${step}`);
      const planned = await cli("plan", "--step", step, ...args, "--instance", "8xV100-32GB", "--nodes", "2", ...ERA_OF_THE_LOGS, "--out", plan);
      assert.equal(planned.code, 0, planned.stdout);
      const run = await cli("import-log", `test/fixtures/deepspeed-chat-logs/${path}`, "--plan", join(plan, "plan.json"), "--json");
      assert.equal(run.code, 0, run.stderr);
      const record = json(run, "runs").runs[0];
      assert.deepEqual(facts(await readMetricsArrow(join(runs, record.job, "metrics.arrow"))), parsed(path, script), path);
      const {memory} = record.comparison;
      assert.equal(memory.measured_gib, measuredGib, "the log's MaxMemAllocated");
      assert.ok(Math.abs(memory.diff_percent) < 15, `${path}: memory estimate ${memory.estimate_gib} GiB vs ${measuredGib}`);
    }
  });
});
