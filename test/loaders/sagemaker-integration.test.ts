/**
 * The SageMaker hand-off end to end against the local emulator, through the same code path as real AWS: SDK v3 clients
 * from the default credential chain (dummy keys in the environment), pointed at the emulator by AWS_ENDPOINT_URL_*.
 * A real dataset is converted, a plan normalised, jobs submitted and watched; the emulator runs the uploaded launcher
 * with the DS-Chat stand-in and replays DS-Chat's published logs.
 */
import assert from "node:assert/strict";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, it} from "node:test";
import {ListTrainingJobsCommand} from "@aws-sdk/client-sagemaker";
import {runChain} from "../../loaders/aws/chain.js";
import {createAwsClients, type AwsClients} from "../../loaders/aws/clients.js";
import {getJobMetrics, readJobLogs} from "../../loaders/aws/jobLogs.js";
import {ensureBucket, readObject} from "../../loaders/aws/s3Objects.js";
import {executeSubmission, planSubmission, submissionToJson, type SubmissionOptions} from "../../loaders/aws/submission.js";
import {readTar} from "../../loaders/aws/tar.js";
import {describeJob, JOB_NOT_COMPLETED, listJobs, stopJob, submitJob, waitForJob} from "../../loaders/aws/trainingJobs.js";
import {convertDataset} from "../../loaders/engine/convert.js";
import {startEmulator, type Emulator} from "../../loaders/emulator/server.js";
import {normalizePlan} from "../../src/core/plan/normalizePlan.js";
import {metricDefinitions} from "../../src/core/runs/logLines.js";
import {parseLogLines} from "../../src/core/runs/parseLogLines.js";
import {UserError} from "../../src/core/contract/userError.js";
import {REQUEST_REFUSED} from "../../src/core/sagemaker/validateTrainingJob.js";
import {asTemplatePlaceholders, assertMatchesTemplate, template} from "../helpers/sagemakerTemplate.js";

const MARKERS = {
  AWS_SECRET_ACCESS_KEY: "MARKER-secret-access-key-5f0c2a",
  AWS_SESSION_TOKEN: "MARKER-session-token-91be77",
  HF_TOKEN: "MARKER-hf-token-3d8e41"
};
const BUCKET = "dschat-studio-test";
const ROLE = "arn:aws:iam::123456789012:role/DSChatSageMakerExecutionRole";

const temp = mkdtempSync(join(tmpdir(), "sagemaker-integration-"));
let emulator: Emulator;
let clients: AwsClients;
let dataDir: string;
const savedEnv = {...process.env};

const options = (extra: Partial<SubmissionOptions> = {}): SubmissionOptions => ({region: clients.region, roleArn: ROLE, bucket: BUCKET, ...extra});
const fast = {pollSeconds: 0.1, timeoutSeconds: 60};

/** The plan a user writes for the converted hh-rlhf sample: steps 1–3 on facebook/opt-125m + opt-350m critic. */
const planFor = (spec: Record<string, unknown> = {}) =>
  normalizePlan({
    steps: [1],
    step1: {model_name_or_path: "facebook/opt-125m", data_path: ["local/jsonfile"], print_loss: true, per_device_train_batch_size: 4},
    step2: {model_name_or_path: "facebook/opt-350m", data_path: ["local/jsonfile"]},
    step3: {data_path: ["local/jsonfile"], seed: 1234},
    infrastructure: {instance_type: "ml.g5.2xlarge"},
    ...spec
  });

before(async () => {
  emulator = await startEmulator({dataDir: join(temp, "emulator"), speed: 20, record: true});
  Object.assign(process.env, emulator.endpoints, {AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDEMULATORTEST", ...MARKERS});
  delete process.env.AWS_PROFILE;
  clients = await createAwsClients();
  await ensureBucket(clients, BUCKET, {create: true});
  // A real dataset through the engine: the shipped hh-rlhf harmless-base sample, converted to DS-Chat's local/jsonfile.
  dataDir = join(temp, "hh");
  await convertDataset({paths: ["data/samples/hh-rlhf-harmless-base/test.jsonl.gz"], out: dataDir, env: {DSCHAT_STUDIO_CACHE: join(temp, "cache")}});
});

after(async () => {
  clients?.destroy();
  await emulator?.close();
  process.env = savedEnv;
  rmSync(temp, {recursive: true, force: true});
});

describe("submit and wait, against the emulator", () => {
  it("prints (dry run) exactly the calls it then makes, the CreateTrainingJob field by field as sagemaker.md §3's template", async () => {
    const plan = planFor({step1: {...templateStep1(), data_path: ["local/jsonfile"]}, infrastructure: {instance_type: "ml.g5.12xlarge"}});
    const submission = await planSubmission(plan, dataDir, options({models: {model: `s3://${BUCKET}/models/opt-1.3b/`}}));
    const dry = JSON.parse(JSON.stringify(submissionToJson(submission)));
    const create = dry.calls.find((call: {operation: string}) => call.operation === "CreateTrainingJob").input;
    const ours = asTemplatePlaceholders(create, submission.jobs[0]!.name, BUCKET);
    assertMatchesTemplate(ours);
    assert.deepEqual(ours.InputDataConfig[1], template.InputDataConfig[1]);
    assert.equal(ours.InputDataConfig[0].DataSource.S3DataSource.S3Uri, `s3://BUCKET/${submission.dataset!.uri.slice(`s3://${BUCKET}/`.length)}`);
    assert.deepEqual(
      dry.calls.map((call: {service: string; operation: string}) => `${call.service}:${call.operation}`),
      ["s3:HeadBucket", "s3:HeadObject", "s3:PutObject", "s3:HeadObject", "s3:PutObject", "s3:HeadObject", "s3:PutObject", "sagemaker:DescribeTrainingJob", "sagemaker:CreateTrainingJob"]
    );
    // No call was made to plan it.
    const before = emulator.requests.length;
    await planSubmission(plan, dataDir, options());
    assert.equal(emulator.requests.length, before);
  });

  it("uploads the dataset and the bundle, starts one job, and it completes with billable seconds and its model in S3", async () => {
    const plan = planFor();
    const submission = await planSubmission(plan, dataDir, options());
    const first = emulator.requests.length;
    const [result] = await executeSubmission(clients, submission);
    assert.equal(result!.created, true);
    // The calls made are the calls the dry run listed (HeadBucket is the caller's, through ensureBucket).
    const made = emulator.requests.slice(first).map(operationOf);
    assert.deepEqual(made, submission.calls.filter((call) => call.operation !== "HeadBucket").map((call) => `${call.service}:${call.operation}`));
    const created = emulator.requests.slice(first).find((r) => r.target === "SageMaker.CreateTrainingJob")!;
    assert.deepEqual(JSON.parse(created.body), JSON.parse(JSON.stringify(submission.jobs[0]!.request)), "the emulator received the planned request");

    const statuses: string[] = [];
    const job = await waitForJob(clients, result!.name, {...fast, onUpdate: (update) => statuses.push(update.secondary_status)});
    assert.equal(job.status, "Completed", job.failure_reason ?? "");
    assert.deepEqual(
      job.transitions.map((t) => t.status),
      ["Starting", "Downloading", "Training", "Uploading", "Completed"]
    );
    assert.ok(job.transitions.every((t) => t.message.startsWith("[SIMULATED]")), "every status message says it is simulated");
    assert.equal(job.simulated, true);
    assert.ok(job.billable_seconds! >= 1 && job.training_seconds === job.billable_seconds, `billable ${job.billable_seconds}`);
    assert.equal(job.model_artifact, submission.jobs[0]!.modelArtifact);
    const model = readTar(await readObject(clients, job.model_artifact!));
    assert.deepEqual(model.map((entry) => entry.path).sort(), ["SIMULATED.txt", "config.json"]);
    assert.match(Buffer.from(model.find((e) => e.path === "SIMULATED.txt")!.data).toString(), new RegExp(`job: ${result!.name}\\n`));

    // The metrics SageMaker would scrape: FinalMetricDataList, GetMetricData, and the same values parsed from the logs.
    const eval_ppl = job.final_metrics.find((m) => m.name === "eval:ppl");
    assert.equal(eval_ppl?.value, 1.8085135221481323, "the last ppl of DS-Chat's published step-1 log");
    const logs = await readJobLogs(clients, result!.name);
    assert.equal(logs.streams.length, 1);
    assert.match(logs.streams[0]!.stream, new RegExp(`^${result!.name}/algo-1-\\d+$`));
    const lines = logs.streams[0]!.events.map((e) => e.message);
    assert.match(lines[0]!, /^\[SIMULATED\] This training job runs in dschat-studio's local emulator/);
    assert.ok(lines.some((line) => line.startsWith("[sm_entry] DS-Chat training/step1_supervised_finetuning/main.py from the image")));
    assert.ok(lines.some((line) => line.startsWith("[SIMULATED] local/jsonfile: 2093 train rows, 219 eval rows")), "the launcher linked the train channel as DS-Chat's data/");
    const parsed = parseLogLines(lines, {script: "step1"});
    assert.equal(parsed.filter((row) => row.metric === "eval:ppl").length, 17);
    const series = await getJobMetrics(clients, result!.name, ["eval:ppl", "ds:max_mem_allocated_gb"], {start: new Date(Date.now() - 600_000), end: new Date(Date.now() + 60_000), periodSeconds: 60});
    assert.ok(series[0]!.values.length >= 1 && series[1]!.values.every((v) => Math.abs(v - 22.95) < 1e-9), JSON.stringify(series));
  });

  it("never starts a second job when the same submit is retried, and uploads nothing twice", async () => {
    const submission = await planSubmission(planFor(), dataDir, options());
    const first = emulator.requests.length;
    const [again] = await executeSubmission(clients, submission);
    assert.equal(again!.created, false);
    const made = emulator.requests.slice(first).map(operationOf);
    assert.deepEqual(made, ["s3:HeadObject", "s3:HeadObject", "s3:HeadObject", "sagemaker:DescribeTrainingJob"], "unchanged objects are skipped, the job is found");
    const named = await listJobs(clients, {nameContains: submission.jobs[0]!.name});
    assert.equal(named.length, 1);
    // A deliberate new run of the same request gets another name.
    const rerun = await planSubmission(planFor(), dataDir, options({nonce: "run-2"}));
    assert.notEqual(rerun.jobs[0]!.name, submission.jobs[0]!.name);
  });

  it("refuses a request with 41 metric definitions before any call", async () => {
    const submission = await planSubmission(planFor(), dataDir, options({nonce: "41"}));
    const request = structuredClone(submission.jobs[0]!.request);
    request.AlgorithmSpecification.MetricDefinitions = Array.from({length: 41}, (_, i) => ({Name: `m${i}`, Regex: `m${i}=([0-9.]+)`}));
    const first = emulator.requests.length;
    await assert.rejects(submitJob(clients, request), (error: UserError) => {
      assert.ok(error instanceof UserError && error.code === REQUEST_REFUSED);
      assert.match(error.message, /AlgorithmSpecification.MetricDefinitions: has 41 metric definitions; SageMaker accepts at most 40/);
      return true;
    });
    assert.equal(emulator.requests.length, first, "no request reached the service");
  });

  it("fails a job whose DS-Chat arguments are wrong with argparse's own message", async () => {
    assert.throws(() => normalizePlan({step1: {model_name_or_path: "m", lerning_rate: 1e-5}}), /plan\.step1\.lerning_rate: lerning_rate is not a field of plan\.step1.*Did you mean learning_rate\?/);
    // An argument the table does not know travels as-is (for a newer or forked DS-Chat); DS-Chat's parser is the judge.
    const submission = await planSubmission(planFor(), dataDir, options({extraArgs: {lerning_rate: 1e-5}}));
    const [result] = await executeSubmission(clients, submission);
    const job = await waitForJob(clients, result!.name, fast);
    assert.equal(job.status, "Failed");
    assert.equal(job.secondary_status, "Failed");
    assert.match(job.failure_reason!, /^AlgorithmError: ExecuteUserScriptError: ExitCode 2 ErrorMessage "DS-Chat main\.py exited with status 2: main\.py: error: unrecognized arguments: --lerning_rate 1e-5"/);
    assert.equal(job.model_artifact, null);
    const lines = (await readJobLogs(clients, result!.name)).streams.flatMap((s) => s.events.map((e) => e.message));
    assert.ok(lines.some((line) => line.startsWith("usage: main.py [-h] [--data_path [DATA_PATH ...]]")), "argparse's usage reached the log");
  });

  it("stops a running job: Stopping, then Stopped", async () => {
    const submission = await planSubmission(planFor(), dataDir, options({nonce: "stop"}));
    const [result] = await executeSubmission(clients, submission);
    await waitUntil(async () => (await describeJob(clients, result!.name)).secondary_status === "Training");
    const stopping = await stopJob(clients, result!.name);
    assert.ok(["Stopping", "Stopped"].includes(stopping.status), stopping.status);
    const job = await waitForJob(clients, result!.name, fast);
    assert.equal(job.status, "Stopped");
    assert.deepEqual(
      job.transitions.map((t) => t.status),
      ["Starting", "Downloading", "Training", "Stopping", "Stopped"]
    );
    await assert.rejects(stopJob(clients, result!.name), /has already ended \(Stopped\); there is nothing to stop/);
  });

  it("runs two hosts with one log stream each, rank 0 printing DS-Chat's lines", async () => {
    const submission = await planSubmission(planFor({infrastructure: {instance_type: "ml.g5.12xlarge", instance_count: 2}}), dataDir, options());
    const [result] = await executeSubmission(clients, submission);
    const job = await waitForJob(clients, result!.name, fast);
    assert.equal(job.status, "Completed", job.failure_reason ?? "");
    const logs = await readJobLogs(clients, result!.name);
    assert.deepEqual(logs.streams.map((s) => s.host), ["algo-1", "algo-2"]);
    const second = logs.streams[1]!.events.map((e) => e.message);
    assert.ok(second.some((line) => line.includes("host algo-2 (node 2 of 2), local rank 0, global rank 4 of 8")), second.slice(0, 5).join("\n"));
    assert.ok(second.some((line) => line.includes("global rank 4: DS-Chat prints on global rank 0 only")));
    assert.ok(parseLogLines(second, {script: "step1"}).length === 0, "metric lines come from rank 0 only");
  });
});

describe("chain 1 → 2 → 3 against the emulator", () => {
  // Step 1 differs from the single submits above, so that the chain submits all three (an identical step 1 would be reused).
  const chainStep1 = {model_name_or_path: "facebook/opt-125m", data_path: ["local/jsonfile"], per_device_train_batch_size: 2};

  it("runs the steps in order and gives step 3 both models", async () => {
    const plan = planFor({steps: "all", step1: chainStep1});
    const events: string[] = [];
    const result = await runChain(clients, plan, dataDir, {...options(), wait: fast, onEvent: (event) => events.push(`${event.type}${"phase" in event ? event.phase : ""}`)});
    assert.deepEqual(result.jobs.map((job) => [job.phase, job.status]), [[1, "Completed"], [2, "Completed"], [3, "Completed"]]);
    assert.deepEqual(
      events.filter((event) => !event.startsWith("status")),
      ["planned", "submitted1", "completed1", "submitted2", "completed2", "submitted3", "completed3"]
    );
    const [step1, step2, step3] = result.jobs;
    const described = await describeJob(clients, step3!.name);
    assert.equal(described.status, "Completed");
    const step3Job = (await clients.sagemaker.send(new ListTrainingJobsCommand({NameContains: step3!.name}))).TrainingJobSummaries!;
    assert.equal(step3Job.length, 1);
    const model = readTar(await readObject(clients, step3!.model_artifact!));
    const text = (path: string) => Buffer.from(model.find((e) => e.path === path)!.data).toString();
    assert.deepEqual(model.map((e) => e.path).sort(), ["actor/SIMULATED.txt", "actor/config.json", "critic/SIMULATED.txt", "critic/config.json"]);
    assert.match(text("actor/SIMULATED.txt"), new RegExp(`actor from: ${step1!.name}\\n`), "the actor is step 1's model");
    assert.match(text("critic/SIMULATED.txt"), new RegExp(`critic from: ${step2!.name}\\n`), "the critic is step 2's model");
    const lines = emulator.jobLog(step3!.name).map((l) => l.message);
    assert.ok(parseLogLines(lines, {script: "step3"}).some((row) => row.metric === "ppo:reward"));
    assert.deepEqual(
      (await describeJob(clients, step3!.name)).final_metrics.map((m) => m.name).sort(),
      [...new Set(parseLogLines(lines, {script: "step3"}).map((r) => r.metric))].sort()
    );
    assert.deepEqual(metricDefinitions("step3").length <= 40, true);

    // Run again: every step is found completed, nothing is submitted twice.
    const creates = emulator.requests.filter((r) => r.target === "SageMaker.CreateTrainingJob").length;
    const again = await runChain(clients, plan, dataDir, {...options(), wait: fast});
    assert.deepEqual(again.jobs.map((job) => job.name), result.jobs.map((job) => job.name));
    assert.equal(emulator.requests.filter((r) => r.target === "SageMaker.CreateTrainingJob").length, creates);
  });

  it("stops the chain at a failed step and names it", async () => {
    const plan = planFor({steps: "all", step1: chainStep1, step2: {model_name_or_path: "/models/missing-opt-350m", data_path: ["local/jsonfile"]}});
    const creates = () => emulator.requests.filter((r) => r.target === "SageMaker.CreateTrainingJob").map((r) => JSON.parse(r.body).TrainingJobName as string);
    const before = creates().length;
    await assert.rejects(runChain(clients, plan, dataDir, {...options(), wait: fast}), (error: UserError) => {
      assert.ok(error instanceof UserError && error.code === JOB_NOT_COMPLETED, String(error));
      assert.equal(error.details.phase, 2);
      assert.match(error.message, /step 2 \(dschat-step2-missing-opt-350m-[0-9a-f]+\) ended Failed: .*model_name_or_path \/models\/missing-opt-350m does not exist/);
      return true;
    });
    assert.deepEqual(
      creates().slice(before).map((name) => name.split("-")[1]),
      ["step2"],
      "step 1 was found completed (same request as the chain before), step 3 was never submitted"
    );
  });
});

describe("secrets", () => {
  it("never sends a credential, token or secret in a request field, a hyperparameter, the job's environment, a tag or a log line", async () => {
    // Asking to pass a token to the job is refused before any call.
    await assert.rejects(planSubmission(planFor(), dataDir, options({environment: {HF_TOKEN: process.env.HF_TOKEN!}})), /Environment.HF_TOKEN: looks like a secret/);
    await assert.rejects(planSubmission(planFor(), dataDir, options({tags: {note: process.env.HF_TOKEN!}})), /contains the value of a secret from your environment/);
    // Every request the emulator received in this file: the markers are nowhere but in SigV4's credential headers.
    assert.ok(emulator.requests.length > 50);
    for (const request of emulator.requests) {
      const visible = JSON.stringify([request.method, request.url, request.headers, request.body]);
      for (const [name, marker] of Object.entries(MARKERS)) assert.ok(!visible.includes(marker), `${name} leaked into ${request.method} ${request.url} ${request.target}`);
      assert.ok(request.credentialHeaders.includes("authorization"), "signed with SigV4");
      assert.ok(request.credentialHeaders.includes("x-amz-security-token"), "the session token travels only in SigV4's header");
    }
    for (const job of await listJobs(clients, {max: 100})) {
      const lines = emulator.jobLog(job.name).map((l) => l.message);
      for (const marker of Object.values(MARKERS)) assert.ok(!lines.some((line) => line.includes(marker)), `a marker in ${job.name}'s log`);
      const env = lines.find((line) => line.startsWith("[SIMULATED] environment variables present: "));
      if (env) for (const name of ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "HF_TOKEN", "AWS_ACCESS_KEY_ID"]) assert.ok(!env.split(": ")[1]!.split(", ").includes(name), `${name} in the job's environment`);
    }
  });
});

function templateStep1() {
  return {model_name_or_path: "facebook/opt-1.3b", per_device_train_batch_size: 4, per_device_eval_batch_size: 4, learning_rate: 9.65e-6, zero_stage: 3, dtype: "bf16", gradient_checkpointing: true, print_loss: true};
}

/** "service:Operation" of a recorded request, in the dry run's words. */
function operationOf(request: {method: string; url: string; target: string}): string {
  if (request.target !== "s3") return `sagemaker:${request.target.split(".")[1]}`;
  const url = new URL(request.url, "http://x");
  const hasKey = url.pathname.split("/").filter(Boolean).length > 1;
  if (request.method === "HEAD") return hasKey ? "s3:HeadObject" : "s3:HeadBucket";
  if (request.method === "PUT" && url.searchParams.has("partNumber")) return "s3:UploadPart";
  if (request.method === "PUT") return hasKey ? "s3:PutObject" : "s3:CreateBucket";
  if (request.method === "POST" && url.searchParams.has("uploads")) return "s3:CreateMultipartUpload";
  if (request.method === "POST") return "s3:CompleteMultipartUpload";
  if (request.method === "GET") return hasKey ? "s3:GetObject" : "s3:ListObjectsV2";
  return `s3:${request.method}`;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 20_000) {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not reached");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
