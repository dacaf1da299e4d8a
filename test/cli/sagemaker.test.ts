/**
 * The SageMaker commands end to end, as a user runs them, against the in-repo emulator through the AWS_ENDPOINT_URL_*
 * variables: convert the shipped sample → plan --data → submit (dry run, --wait), status, list, stop, chain, and a
 * misspelt DS-Chat argument failing the job with argparse's own message.
 */
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, it} from "node:test";
import {createAwsClients} from "../../loaders/aws/clients.js";
import {readObject} from "../../loaders/aws/s3Objects.js";
import {readTar} from "../../loaders/aws/tar.js";
import {startEmulator, type Emulator} from "../../loaders/emulator/server.js";
import {json, root, runMain} from "../helpers/cli.js";
import {asTemplatePlaceholders, assertMatchesTemplate, template} from "../helpers/sagemakerTemplate.js";

const work = mkdtempSync(join(tmpdir(), "dschat-sagemaker-cli-"));
let emulator: Emulator;
let env: NodeJS.ProcessEnv;
const hh = join(work, "hh");
const cli = (...args: string[]) => runMain(args, {env});
const BUCKET = "dschat-cli-test";
const ROLE = "arn:aws:iam::123456789012:role/DSChatSageMakerExecutionRole";
const awsCalls = () => emulator.requests.filter((request) => !request.url.startsWith("/__dschat-studio/"));

before(async () => {
  emulator = await startEmulator({dataDir: join(work, "emulator"), speed: 20, record: true});
  env = {...emulator.endpoints, AWS_REGION: "us-east-1", DSCHAT_STUDIO_CACHE: join(work, "cache")};
  const converted = await cli("convert", "data/samples/hh-rlhf-harmless-base/test.jsonl.gz", "--out", hh);
  assert.equal(converted.code, 0, converted.stderr);
});

after(async () => {
  await emulator?.close();
  rmSync(work, {recursive: true, force: true});
});

async function planFile(name: string, ...args: string[]): Promise<string> {
  const out = join(work, name);
  const result = await cli("plan", "--data", hh, "--out", out, ...args);
  assert.ok(result.code === 0 || result.code === 4, result.stderr);
  return join(out, "plan.json");
}

describe("submit", () => {
  it("--dry-run --json of the shipped sample prints requests that match sagemaker.md §3's template field by field, and calls nothing", async () => {
    const plan = await planFile("template", "--model", "facebook/opt-1.3b", "--per_device_train_batch_size", "4", "--per_device_eval_batch_size", "4", "--max_seq_len", "512", "--learning_rate", "9.65e-6", "--num_train_epochs", "1", "--zero_stage", "3", "--dtype", "bf16", "--print_loss", "--gradient_checkpointing", "--instance", "ml.g5.12xlarge");
    const before = awsCalls().length;
    const run = await cli("submit", plan, "--data", hh, "--role", ROLE, "--bucket", BUCKET, "--model-uri", `s3://${BUCKET}/models/opt-1.3b/`, "--dry-run", "--json");
    assert.equal(run.code, 0, run.stderr);
    const doc = json(run, "submission");
    assert.equal(awsCalls().length, before, "a dry run makes no AWS call");
    assert.equal(doc.dry_run, true);
    assert.equal(doc.simulated, true, "the endpoints point at the emulator");
    const create = doc.calls.find((call: {operation: string}) => call.operation === "CreateTrainingJob").input;
    assert.deepEqual(create, doc.jobs[0].request);
    const ours = asTemplatePlaceholders(create, doc.jobs[0].name, BUCKET);
    assertMatchesTemplate(ours);
    assert.deepEqual(ours.InputDataConfig[1], template.InputDataConfig[1]);
    assert.equal(ours.InputDataConfig[0].DataSource.S3DataSource.S3Uri, `s3://BUCKET/datasets/${doc.dataset.key}/`);
    assert.equal(doc.dataset.rows.train + doc.dataset.rows.eval, 2312, "the shipped sample's rows");
  });

  it("--wait: the job completes with billable seconds and its model artefact in the emulator's S3; status and list show it", async () => {
    const plan = await planFile("small", "--model", "facebook/opt-125m", "--print_loss");
    const run = await cli("submit", plan, "--data", hh, "--bucket", BUCKET, "--wait", "--json");
    assert.equal(run.code, 0, run.stderr);
    const doc = json(run, "submission");
    assert.match(run.stderr, /^\[SIMULATED\] /);
    const job = doc.jobs[0];
    assert.equal(job.final.status, "Completed");
    assert.ok(job.final.billable_seconds >= 1);
    assert.equal(job.final.simulated, true);
    assert.equal(job.final.model_artifact, job.model_artifact);
    const clients = await createAwsClients({env, emulatorCredentials: true});
    const model = readTar(await readObject(clients, job.final.model_artifact));
    clients.destroy();
    assert.match(Buffer.from(model.find((file) => file.path === "SIMULATED.txt")!.data).toString(), new RegExp(`job: ${job.name}`));

    const status = await cli("status", job.name, "--json");
    assert.equal(status.code, 0, status.stderr);
    const described = json(status, "job");
    assert.deepEqual(described.job.transitions.map((t: {status: string}) => t.status), ["Starting", "Downloading", "Training", "Uploading", "Completed"]);
    assert.ok(described.last_lines.some((line: {message: string}) => line.message.includes("[SIMULATED] saved a marker model")));
    const text = await cli("status", job.name);
    assert.match(text.stdout, /^\[SIMULATED\] .*\n.*: Completed \(Completed\) \[SIMULATED\]/);
    const listed = json(await cli("list", "--json"), "jobs");
    assert.ok(listed.jobs.some((listedJob: {name: string}) => listedJob.name === job.name));

    // A retried submit finds the job instead of starting a second one.
    const creates = awsCalls().filter((r) => r.target === "SageMaker.CreateTrainingJob").length;
    const again = json(await cli("submit", plan, "--data", hh, "--bucket", BUCKET, "--json"), "submission");
    assert.equal(again.jobs[0].submitted.created, false);
    assert.ok(again.uploads.every((upload: {uploaded: boolean}) => upload.uploaded === false), "nothing uploaded twice");
    assert.equal(awsCalls().filter((r) => r.target === "SageMaker.CreateTrainingJob").length, creates);
  });

  it("a misspelt DS-Chat argument fails the job with argparse's own message (exit 2)", async () => {
    const plan = await planFile("small", "--model", "facebook/opt-125m", "--print_loss");
    const run = await cli("submit", plan, "--data", hh, "--bucket", BUCKET, "--wait", "--dschat-arg", "lerning_rate=1e-5");
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /ended Failed: AlgorithmError: ExecuteUserScriptError: ExitCode 2 ErrorMessage "DS-Chat main\.py exited with status 2: main\.py: error: unrecognized arguments: --lerning_rate 1e-5"/);
    assert.match(run.stderr, /\n {2}fix: Correct the cause/);
  });

  it("refuses a --data other than the plan's dataset, and AWS without a role, before any call", async () => {
    const plan = await planFile("small", "--model", "facebook/opt-125m");
    const other = join(work, "other");
    assert.equal((await cli("convert", "test/fixtures/llama-factory/alpaca_en_demo.json", "--out", other)).code, 0);
    const before = awsCalls().length;
    const wrong = await cli("submit", plan, "--data", other, "--dry-run");
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--data .*other: holds the dataset \S+, but .*plan\.json was built for \S+ \(test\.jsonl\.gz\)\n {2}fix: Pass the folder 'plan --data' read/);
    const real = await runMain(["submit", plan, "--data", hh], {env: {AWS_REGION: "us-east-1", DSCHAT_STUDIO_CACHE: env.DSCHAT_STUDIO_CACHE}});
    assert.equal(real.code, 2);
    assert.match(real.stderr, /--role: a SageMaker job runs as an IAM role, and none was given\n {2}fix: Pass --role arn:aws:iam::/);
    assert.equal(awsCalls().length, before);
  });
});

describe("stop", () => {
  it("ends a running job Stopped, and refuses to stop it twice", async () => {
    const plan = await planFile("stop", "--model", "facebook/opt-125m", "--seed", "7");
    const submitted = json(await cli("submit", plan, "--data", hh, "--bucket", BUCKET, "--json"), "submission");
    const name = submitted.jobs[0].name;
    for (let i = 0; i < 200 && json(await cli("status", name, "--json"), "job").job.secondary_status !== "Training"; i++) await new Promise((r) => setTimeout(r, 50));
    const stopped = await cli("stop", name, "--json");
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.ok(["Stopping", "Stopped"].includes(json(stopped, "job").job.status));
    let job = json(await cli("status", name, "--json"), "job").job;
    for (let i = 0; i < 200 && job.status !== "Stopped"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      job = json(await cli("status", name, "--json"), "job").job;
    }
    assert.equal(job.status, "Stopped");
    const again = await cli("stop", name);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /has already ended \(Stopped\); there is nothing to stop/);
  });
});

describe("chain", () => {
  it("runs steps 1 → 2 → 3, step 3 receiving step 1's model as its actor and step 2's as its critic", async () => {
    const plan = await planFile("chain", "--step", "all", "--model", "facebook/opt-125m", "--critic-model", "facebook/opt-350m");
    const run = await cli("chain", plan, "--data", hh, "--bucket", BUCKET, "--json");
    assert.equal(run.code, 0, run.stderr);
    const doc = json(run, "submission");
    assert.deepEqual(doc.jobs.map((job: {step: number; final: {status: string}}) => [job.step, job.final.status]), [[1, "Completed"], [2, "Completed"], [3, "Completed"]]);
    const channels = Object.fromEntries(doc.jobs[2].request.InputDataConfig.map((c: {ChannelName: string; DataSource: {S3DataSource: {S3Uri: string}}}) => [c.ChannelName, c.DataSource.S3DataSource.S3Uri]));
    assert.equal(channels.actor, doc.jobs[0].final.model_artifact);
    assert.equal(channels.critic, doc.jobs[1].final.model_artifact);
    const clients = await createAwsClients({env, emulatorCredentials: true});
    const step3 = readTar(await readObject(clients, doc.jobs[2].final.model_artifact));
    clients.destroy();
    const actor = Buffer.from(step3.find((file) => file.path === "actor/SIMULATED.txt")!.data).toString();
    assert.match(actor, new RegExp(`actor from: ${doc.jobs[0].name}`));
    assert.match(Buffer.from(step3.find((file) => file.path === "critic/SIMULATED.txt")!.data).toString(), new RegExp(`critic from: ${doc.jobs[1].name}`));
  });
});

describe("emulator", () => {
  it("serves until stopped, says every job is simulated, and prints its summary on exit", async () => {
    const child = spawn(process.execPath, ["bin/dschat-studio.js", "emulator", "--port", "0", "--speed", "50", "--data-dir", join(work, "standalone"), "--json"], {cwd: root, env: {...process.env, DSCHAT_STUDIO_CACHE: join(work, "cache")}});
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
        const match = /export AWS_ENDPOINT_URL_SAGEMAKER=(\S+)/.exec(stderr);
        if (match) resolve(match[1]!);
      });
      child.on("exit", () => reject(new Error(`the emulator exited: ${stderr}`)));
    });
    assert.match(stderr, /^\[SIMULATED\] /);
    const listed = await runMain(["list", "--json"], {env: {AWS_ENDPOINT_URL_SAGEMAKER: url, AWS_REGION: "us-east-1"}});
    assert.equal(json(listed, "jobs").simulated, true, "found through the endpoint variable it printed");
    const code = await new Promise<number | null>((resolve) => {
      child.on("close", resolve);
      child.kill("SIGTERM");
    });
    assert.equal(code, 0, stderr);
    const summary = json({code: 0, stdout, stderr}, "emulator");
    assert.equal(summary.url, url);
    assert.equal(summary.jobs_run, 0);
  });
});
