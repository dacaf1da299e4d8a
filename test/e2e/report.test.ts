/**
 * `dschat-studio report`: a site built with marker secrets in the environment and $HOME, from a chosen dataset while
 * another one sits in the same cache, holds none of the secrets, no local path (every file scanned for the temporary
 * and working folders, $HOME and the studio's folder), no name of the unchosen dataset and no data-loader source; it
 * opens from a plain static server showing the dataset, the plan and the run, with no request outside its origin; and
 * `--publish` uploads exactly its files to the emulator's S3.
 */
import assert from "node:assert/strict";
import {copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from "node:fs";
import {createServer, type Server} from "node:http";
import type {AddressInfo} from "node:net";
import {tmpdir} from "node:os";
import {extname, join, normalize} from "node:path";
import {after, before, describe, it} from "node:test";
import {GetObjectCommand} from "@aws-sdk/client-s3";
import {createAwsClients} from "../../loaders/aws/clients.js";
import {startEmulator, type Emulator} from "../../loaders/emulator/server.js";
import {json, runMain} from "../helpers/cli.js";
import {externalRequests, openBrowser, root, type Session} from "./harness.js";

const SECRETS = {
  AWS_SECRET_ACCESS_KEY: "MARKERsecretAccessKey0123456789abcdefXYZ",
  AWS_ACCESS_KEY_ID: "AKIAMARKERACCESSKEY01",
  AWS_SESSION_TOKEN: "MARKERsessionTokenFwoGZXIvYXdzEJr0123456789",
  HF_TOKEN: "hf_MARKERhuggingfaceToken0123456789"
};
const CHOSEN = "chosen-marker-alpaca.json";
const UNCHOSEN = "unchosen-marker-identity.json";

function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]));
}

/** A plain static file server over `dir` on 127.0.0.1 (no clean URLs but index.html, as S3 static hosting). */
async function serveStatic(dir: string): Promise<{url: string; server: Server}> {
  const types: Record<string, string> = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".wasm": "application/wasm"};
  const server = createServer((request, response) => {
    let file = normalize(join(dir, decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname)));
    if (!file.startsWith(dir)) return void response.writeHead(403).end();
    try {
      if (statSync(file).isDirectory()) file = join(file, "index.html");
      const body = readFileSync(file);
      response.writeHead(200, {"content-type": types[extname(file)] ?? "application/octet-stream"}).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server};
}

describe("report: a static, self-contained site of a dataset, a plan and a run", () => {
  const work = mkdtempSync(join(tmpdir(), "dschat-report-e2e-"));
  const home = join(work, "home-of-MARKERUSER");
  const site = join(work, "site");
  const env = {...SECRETS, HOME: home, DSCHAT_STUDIO_CACHE: join(work, "cache"), DSCHAT_STUDIO_RUNS: join(work, "runs"), DSCHAT_STUDIO_LIVE_DIR: join(work, "live")}; // import-log writes live files too
  let job: string;
  let report: any;
  let emulator: Emulator;

  before(async () => {
    mkdirSync(join(home, "data"), {recursive: true});
    copyFileSync(join(root, "test/fixtures/llama-factory/alpaca_en_demo.json"), join(home, "data", CHOSEN));
    copyFileSync(join(root, "test/fixtures/llama-factory/identity.json"), join(home, "data", UNCHOSEN));
    for (const [file, out] of [[CHOSEN, "chosen"], [UNCHOSEN, "unchosen"]]) {
      const converted = await runMain(["convert", join(home, "data", file!), "--out", join(home, out!)], {env});
      assert.equal(converted.code, 0, converted.stderr);
    }
    const planned = await runMain(["plan", "--model", "facebook/opt-1.3b", "--zero_stage", "2", "--per_device_train_batch_size", "8", "--instance", "ml.p3dn.24xlarge", "--nodes", "2", "--data", join(home, "chosen"), "--out", join(home, "plan")], {env});
    assert.equal(planned.code, 0, planned.stderr);
    const imported = await runMain(["import-log", "test/fixtures/deepspeed-chat-logs/step1_supervised_finetuning/opt-1.3b-globalBatchSize128.log", "--plan", join(home, "plan", "plan.json"), "--json"], {env});
    assert.equal(imported.code, 0, imported.stderr);
    job = JSON.parse(imported.stdout).runs[0].job;
    const result = await runMain(["report", "--data", join(home, "chosen"), "--plan", join(home, "plan", "plan.json"), "--run", job, "--out", site, "--tokenizer", "gpt2", "--json"], {env, cwd: home});
    assert.equal(result.code, 0, result.stderr);
    report = json(result, "report");
  });

  after(async () => {
    await emulator?.close();
    rmSync(work, {recursive: true, force: true});
  });

  it("says what it wrote", () => {
    assert.equal(report.datasets.length, 1);
    assert.equal(report.datasets[0].name, CHOSEN);
    assert.equal(report.datasets[0].sample_rows, 20);
    assert.equal(report.datasets[0].stats, true);
    assert.deepEqual(report.plan.steps, [1]);
    assert.deepEqual(report.runs.map((run: {job: string}) => run.job), [job]);
    assert.ok(report.runs[0].metric_rows > 100);
    assert.equal(report.files, filesUnder(site).filter((file) => file !== ".dschat-studio.json").length);
  });

  it("holds no secret, no local path, no unchosen dataset and no data-loader source, in any file", () => {
    const files = filesUnder(site);
    // (the temporary folders: this test's and the report's build project, both named dschat-…; DS-Chat's own
    // /tmp/data_files, which lint findings name, is no local path)
    const forbidden = [...Object.values(SECRETS), work, home, "MARKERUSER", root.replace(/\/$/, ""), join(tmpdir(), "dschat-"), UNCHOSEN, "unchosen", "identity.json"];
    for (const file of files) {
      const text = readFileSync(join(site, file)).toString("latin1");
      for (const needle of forbidden) assert.ok(!text.includes(needle), `${file} contains ${JSON.stringify(needle)}`);
      assert.doesNotMatch(file, /\.(json|arrow|csv|txt)\.(ts|js|py)$/, `${file} is a data loader`);
      assert.ok(!text.includes("process.stdout.write"), `${file} holds data-loader source`);
    }
    assert.ok(!files.some((file) => /datasets\.json|samples\.json/.test(file)), files.join(", "));
    // the chosen dataset is there, by its file name only
    assert.ok(files.some((file) => readFileSync(join(site, file), "latin1").includes(CHOSEN)));
  });

  it("opens from a plain static server with the dataset, the plan and the run, and requests nothing outside its origin", async () => {
    const {url, server} = await serveStatic(site);
    let session: Session | undefined;
    try {
      session = await openBrowser();
      await session.page.goto(`${url}/`);
      await session.page.waitForFunction(() => Number(document.querySelector("figure.metric-chart")?.getAttribute("data-points")) > 0, null, {timeout: 60_000});
      assert.equal((await session.page.textContent(".dataset-name"))?.trim(), CHOSEN);
      const page = (await session.page.textContent("main")) ?? "";
      assert.match(page, /First 20 rows of train\.json/);
      assert.match(page, /Human: /, "rows as DS-Chat reads them");
      assert.match((await session.page.textContent("#report-peak")) ?? "", /^\d+\.\d\d GiB$/);
      assert.match((await session.page.textContent("#report-command")) ?? "", /deepspeed .*main\.py/);
      assert.match((await session.page.textContent("#report-ds-config")) ?? "", /"stage": 2/);
      assert.equal((await session.page.textContent(".run-name"))?.trim(), job);
      assert.match((await session.page.textContent("table.estimate")) ?? "", /GPU memory, allocated/);
      assert.deepEqual(session.errors, []);
      assert.deepEqual(externalRequests(session.requests), []);
      assert.ok(session.requests.every((request) => request.startsWith(url) || request.startsWith("data:") || request.startsWith("blob:")), session.requests.filter((r) => !r.startsWith(url)).join(", "));
    } finally {
      await session?.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("--publish uploads the site's files to S3 (the emulator's)", async () => {
    emulator = await startEmulator({dataDir: join(work, "emulator")});
    const awsEnv = {...env, ...emulator.endpoints, AWS_REGION: "us-east-1"};
    const result = await runMain(["report", "--data", join(home, "chosen"), "--plan", join(home, "plan", "plan.json"), "--run", job, "--out", join(work, "site2"), "--publish", "s3://team-reports/dschat/r1", "--json"], {env: awsEnv});
    assert.equal(result.code, 0, result.stderr);
    const published = json(result, "report");
    assert.deepEqual(published.published, {uri: "s3://team-reports/dschat/r1/", simulated: true, uploaded: published.files, unchanged: 0});
    const clients = await createAwsClients({env: awsEnv, emulatorCredentials: true});
    try {
      const object = await clients.s3.send(new GetObjectCommand({Bucket: "team-reports", Key: "dschat/r1/index.html"}));
      assert.equal(await object.Body!.transformToString(), readFileSync(join(work, "site2", "index.html"), "utf8"));
      assert.match(object.ContentType ?? "", /^text\/html/);
    } finally {
      clients.destroy();
    }
  });
});
