/**
 * The Runs page. Built: it shows the shipped simulated run (what `npm start` shows on a fresh clone). Under `observable
 * preview` (npm start): a simulated job submitted with --watch grows the page's charts while the emulator replays its
 * log, then shows Completed, with no reload; a second run makes the compare view overlay both curves and list the plan
 * arguments that differ. No request leaves 127.0.0.1.
 */
import assert from "node:assert/strict";
import {spawn, type ChildProcess} from "node:child_process";
import {existsSync, mkdtempSync, readFileSync, rmSync} from "node:fs";
import {createServer, type AddressInfo} from "node:net";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, it} from "node:test";
import {startEmulator, type Emulator} from "../../loaders/emulator/server.js";
import {runMain} from "../helpers/cli.js";
import {ensureBuilt, externalRequests, openBrowser, openPage, root, type Session} from "./harness.js";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const {port} = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The simulated run the repository ships (data/runs/.gitignore keeps it; a user's own records may sit beside it). */
const SHIPPED = [...readFileSync(join(root, "data", "runs", ".gitignore"), "utf8").matchAll(/^!\/(dschat-[^/]+)\/$/gm)].map((match) => match[1]!);

describe("/runs page, built", () => {
  let session: Session;
  before(async () => {
    session = await openPage("/runs", () => Number(document.querySelector("figure.metric-chart")?.getAttribute("data-points")) > 0);
  });
  after(() => session?.close());

  it("shows the shipped simulated run, labelled simulated, with its charts and its estimate against measurement", async () => {
    assert.equal(SHIPPED.length, 1);
    assert.match((await session.page.textContent("#runs-count")) ?? "", /^\d+ runs? recorded\.$/);
    const option = await session.page.locator("form select option", {hasText: SHIPPED[0]!}).getAttribute("value");
    await session.page.locator("form select").first().selectOption(option!);
    await session.page.waitForFunction(() => document.querySelector("table.estimate")?.textContent?.includes("22.95"), null, {timeout: 30_000});
    assert.match((await session.page.textContent(".run-summary")) ?? "", /SIMULATED — run by dschat-studio's local emulator[\s\S]*Completed/);
    const titles = await session.page.locator("figure.metric-chart").evaluateAll((figures) => figures.map((f) => f.getAttribute("data-title")));
    assert.ok(titles.includes("Evaluation perplexity") && titles.includes("GPU memory, rank 0 (GiB): MaxMemAllocated and MemAllocated"), titles.join(", "));
    // The page shows the record's comparison: the plan's estimate (the shipped plan replays the April-2023 log with that
    // era's versions, README "Estimate against measurement") against the log's MaxMemAllocated of 22.95.
    const {memory} = JSON.parse(readFileSync(join(root, "data", "runs", SHIPPED[0]!, "record.json"), "utf8")).comparison;
    assert.equal(memory.measured_gib, 22.95);
    assert.ok(Math.abs(memory.diff_percent) < 10, `${memory.estimate_gib} GiB estimated`);
    const expected = `GPU memory, allocated (GiB)${memory.estimate_gib.toFixed(2)}22.95${memory.diff_percent > 0 ? "+" : ""}${memory.diff_percent.toFixed(1)}%`;
    assert.ok(((await session.page.textContent("table.estimate")) ?? "").includes(expected), expected);
    assert.deepEqual(externalRequests(session.requests), []);
  });
});

describe("/runs page under observable preview, following watch", () => {
  const work = mkdtempSync(join(tmpdir(), "dschat-runs-page-"));
  const live = join(root, "src", "data", "live");
  const liveFiles = ["runs.json", "run-metrics.arrow"].map((name) => join(live, name));
  let emulator: Emulator;
  let preview: ChildProcess;
  let url: string;
  let session: Session;
  let env: NodeJS.ProcessEnv;
  const hh = join(work, "hh");

  before(async () => {
    ensureBuilt(); // fills Framework's npm cache from node_modules, as npm start does
    for (const file of liveFiles) rmSync(file, {force: true});
    emulator = await startEmulator({dataDir: join(work, "emulator"), speed: 2, replaySeconds: 10});
    env = {...emulator.endpoints, AWS_REGION: "us-east-1", DSCHAT_STUDIO_CACHE: join(work, "cache"), DSCHAT_STUDIO_RUNS: join(work, "runs")};
    assert.equal((await runMain(["convert", "test/fixtures/llama-factory/alpaca_en_demo.json", "--out", hh], {env})).code, 0);
    const port = await freePort(); // preview prints the port it was given, so 0 would not tell which one it took
    preview = spawn(join(root, "node_modules", ".bin", "observable"), ["preview", "--host", "127.0.0.1", "--port", String(port), "--no-open"], {
      cwd: root,
      env: {...process.env, PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}`, OBSERVABLE_TELEMETRY_DISABLE: "true", DSCHAT_STUDIO_RUNS: join(work, "runs")},
      detached: true
    });
    url = await new Promise<string>((resolve, reject) => {
      let output = "";
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(output);
        if (match) resolve(match[0].replace(/\/$/, ""));
      };
      preview.stdout!.on("data", onData);
      preview.stderr!.on("data", onData);
      preview.on("exit", () => reject(new Error(`observable preview exited: ${output}`)));
    });
    session = await openBrowser();
    await session.page.goto(`${url}/runs`);
    await session.page.waitForFunction(() => document.querySelector("#runs-count")?.textContent?.includes("recorded"), null, {timeout: 90_000});
  });

  after(async () => {
    await session?.close();
    if (preview?.pid) process.kill(-preview.pid, "SIGTERM");
    await emulator?.close();
    for (const file of liveFiles) rmSync(file, {force: true});
    rmSync(work, {recursive: true, force: true});
  });

  /** The page's chosen run, its status and the points of its throughput chart. */
  const shown = () =>
    session.page.evaluate(() => ({
      run: (document.querySelector("form select") as HTMLSelectElement | null)?.selectedOptions[0]?.textContent ?? "",
      status: document.querySelector(".run-status")?.textContent ?? null,
      points: Number(document.querySelector('figure.metric-chart[data-title="Throughput (samples/s)"]')?.getAttribute("data-points") ?? 0)
    }));

  /** Plans and submits with --watch; resolves once submitted with the job's name (a dry run tells it), `done` when the watch ends. */
  async function submit(name: string, ...planArgs: string[]): Promise<{job: string; done: Promise<{code: number; stderr: string}>}> {
    assert.equal((await runMain(["plan", "--model", "facebook/opt-1.3b", "--instance", "ml.p4d.24xlarge", "--data", hh, "--out", join(work, name), ...planArgs], {env})).code, 0);
    const dry = await runMain(["submit", join(work, name, "plan.json"), "--data", hh, "--dry-run", "--json"], {env});
    const job: string = JSON.parse(dry.stdout).jobs[0].name;
    return {job, done: runMain(["submit", join(work, name, "plan.json"), "--data", hh, "--watch"], {env})};
  }

  it("grows the chart while the job's log is replayed, then shows Completed, without a reload", async () => {
    const navigations: string[] = [];
    session.page.on("framenavigated", (frame) => frame === session.page.mainFrame() && navigations.push(frame.url()));
    const submitted = await submit("first", "--zero_stage", "2", "--per_device_train_batch_size", "8");
    const seen: number[] = [];
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      // Until watch wrote its first commit the page shows what was recorded before (the shipped run).
      const now = await shown();
      if (now.run.startsWith(submitted.job)) {
        seen.push(now.points);
        if (now.status === "Completed") break;
      }
      await new Promise((done) => setTimeout(done, 500));
    }
    const result = await submitted.done;
    assert.equal(result.code, 0, result.stderr);
    const growing = [...new Set(seen.filter((n) => n > 0))];
    assert.ok(growing.length >= 3, `the chart grew in steps while the job ran: ${seen.join(" ")}`);
    assert.deepEqual(growing, [...growing].sort((a, b) => a - b), "points only ever added");
    assert.equal((await shown()).status, "Completed");
    assert.match((await session.page.textContent("#runs-count")) ?? "", /following watch/);
    assert.deepEqual(navigations, [], "no reload");
  });

  it("overlays two runs' curves on the compare chart and lists the plan arguments that differ", async () => {
    const result = await (await submit("second", "--zero_stage", "2", "--per_device_train_batch_size", "4")).done;
    assert.equal(result.code, 0, result.stderr);
    await session.page.waitForFunction(() => document.querySelector("figure.compare-chart")?.getAttribute("data-runs") === "2", null, {timeout: 30_000});
    const diff = (await session.page.textContent("table.plan-diff")) ?? "";
    assert.match(diff, /step1\.per_device_train_batch_size\s*4\s*8/);
    assert.doesNotMatch(diff, /zero_stage/, "only the arguments that differ");
    assert.ok(existsSync(liveFiles[0]!));
    assert.deepEqual(externalRequests(session.requests), []);
  });
});
