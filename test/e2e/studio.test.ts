/**
 * The studio server (`npm start`: scripts/studio.ts) in headless Chromium: the Config page builds a plan, submits it
 * to the local emulator from the page, the run appears on the Runs page and grows, and the Runs page's Stop button
 * stops it. The API refuses calls without the token, with a foreign Origin, through a foreign Host (DNS rebinding),
 * state changes that are not POST with JSON, and is not reachable on a non-loopback address. No request leaves
 * 127.0.0.1.
 */
import assert from "node:assert/strict";
import {spawn, spawnSync, type ChildProcess} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import {request} from "node:http";
import {connect, createServer, type AddressInfo} from "node:net";
import {networkInterfaces, tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, it} from "node:test";
import {externalRequests, openBrowser, root, type Session} from "./harness.js";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const {port} = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A raw HTTP call, so that Host and Origin can be anything. */
function call(url: string, {method = "GET", headers = {}, body}: {method?: string; headers?: Record<string, string>; body?: string} = {}): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = request(url, {method, headers}, (response) => {
      let text = "";
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => resolve({status: response.statusCode ?? 0, body: text}));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("studio server (npm start)", () => {
  const work = mkdtempSync(join(tmpdir(), "dschat-studio-server-"));
  const liveFiles = ["runs.json", "run-metrics.arrow"].map((name) => join(root, "src", "data", "live", name));
  let studio: ChildProcess;
  let url: string;
  let openUrl: string;
  let token: string;
  let session: Session;

  before(async () => {
    assert.equal(spawnSync(process.execPath, ["scripts/offline-npm-cache.mjs"], {cwd: root, stdio: "inherit"}).status, 0); // as npm start does
    for (const file of liveFiles) rmSync(file, {force: true});
    studio = spawn(process.execPath, ["--import", "tsx", "scripts/studio.ts"], {
      cwd: root,
      detached: true,
      env: {
        ...process.env,
        DSCHAT_STUDIO_PORT: "0",
        // a port where no emulator answers: the studio starts its own, as on a fresh machine
        DSCHAT_STUDIO_EMULATOR_PORT: String(await freePort()),
        DSCHAT_STUDIO_EMULATOR_SPEED: "0.25",
        DSCHAT_STUDIO_CACHE: join(work, "cache"),
        DSCHAT_STUDIO_RUNS: join(work, "runs"),
        OBSERVABLE_TELEMETRY_DISABLE: "true"
      }
    });
    openUrl = await new Promise<string>((resolve, reject) => {
      let output = "";
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /open (http:\/\/127\.0\.0\.1:\d+\/config\?token=[A-Za-z0-9_-]+)/.exec(output);
        if (match) resolve(match[1]!);
      };
      studio.stdout!.on("data", onData);
      studio.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
      studio.on("exit", (code) => reject(new Error(`the studio exited (${code}): ${output}`)));
    });
    url = new URL(openUrl).origin;
    token = new URL(openUrl).searchParams.get("token")!;
    session = await openBrowser();
  });

  after(async () => {
    await session?.close();
    if (studio?.pid && studio.exitCode === null) {
      const exited = new Promise((resolve) => studio.once("exit", resolve));
      process.kill(studio.pid, "SIGTERM"); // the studio ends its preview and emulator
      await exited;
    }
    for (const file of liveFiles) rmSync(file, {force: true});
    rmSync(work, {recursive: true, force: true});
  });

  it("prints a token of 32 random bytes and answers the API only with it", async () => {
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    const port = new URL(url).port;
    const ok = await call(`${url}/api/status`, {headers: {"x-studio-token": token}});
    assert.equal(ok.status, 200, ok.body);
    assert.deepEqual({...JSON.parse(ok.body), emulator_url: null}, {studio: "dschat-studio", target: "emulator", simulated: true, region: "us-east-1", emulator_url: null, watching: []});
    assert.equal((await call(`${url}/api/status`)).status, 401);
    assert.equal((await call(`${url}/api/status`, {headers: {"x-studio-token": `${token.slice(0, -1)}A`}})).status, 401);
    assert.equal((await call(`${url}/api/runs?token=${token}`)).status, 401, "the token is accepted only in its header");
    const stopWithoutToken = await call(`${url}/api/stop`, {method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify({job: "dschat-step1-x"})});
    assert.equal(stopWithoutToken.status, 401);
    // a cross-site page (Origin of another site), even if it had the token
    const foreign = await call(`${url}/api/stop`, {method: "POST", headers: {"x-studio-token": token, origin: "http://evil.example", "content-type": "application/json"}, body: "{}"});
    assert.equal(foreign.status, 403, foreign.body);
    assert.equal((await call(`${url}/api/status`, {headers: {"x-studio-token": token, origin: "null"}})).status, 403);
    assert.equal((await call(`${url}/api/status`, {headers: {"x-studio-token": token, origin: `http://localhost:${port}`}})).status, 200);
    // DNS rebinding: the loopback port reached under another name — API and pages alike
    assert.equal((await call(`${url}/api/status`, {headers: {"x-studio-token": token, host: `evil.example:${port}`}})).status, 421);
    assert.equal((await call(`${url}/config`, {headers: {host: `rebound.example:${port}`}})).status, 421);
    assert.equal((await call(`${url}/api/status`, {headers: {"x-studio-token": token, host: `127.0.0.1:${Number(port) + 1}`}})).status, 421);
    // state changes are POST with a JSON body
    assert.equal((await call(`${url}/api/stop`, {headers: {"x-studio-token": token}})).status, 405);
    assert.equal((await call(`${url}/api/stop`, {method: "POST", headers: {"x-studio-token": token, "content-type": "text/plain"}, body: "{}"})).status, 415);
    const badJob = await call(`${url}/api/stop`, {method: "POST", headers: {"x-studio-token": token, "content-type": "application/json"}, body: JSON.stringify({job: "$(rm -rf /)"})});
    assert.equal(badJob.status, 400);
    assert.match(JSON.parse(badJob.body).error.message, /not a training job name/);
  });

  it("listens on 127.0.0.1 only: a non-loopback address of this machine is refused", async (t) => {
    const address = Object.values(networkInterfaces()).flat().find((entry) => entry && entry.family === "IPv4" && !entry.internal)?.address;
    if (!address) return t.skip("this machine has no non-loopback IPv4 address");
    const port = Number(new URL(url).port);
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect(port, address, () => {
        socket.destroy();
        resolve("connected");
      });
      socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    assert.equal(outcome, "ECONNREFUSED", `connecting to ${address}:${port}`);
  });

  it("submits the Config page's plan to the emulator, follows it on the Runs page and stops it there", async () => {
    // The Runs page open in a second tab first (its token from its own URL), as a user keeps it beside the Config page.
    const page = await session.context.newPage();
    await page.goto(`${url}/runs?token=${token}`);
    await page.waitForFunction(() => document.querySelector("#runs-count")?.textContent?.includes("recorded"), null, {timeout: 120_000});
    const config = session.page;
    await config.goto(openUrl);
    await config.waitForSelector(".submit-panel button.submit-plan", {timeout: 120_000});
    await config.selectOption("#zero-stage select", {label: "2"});
    await config.waitForFunction(() => document.querySelector("#ds-config")?.textContent?.includes('"stage": 2'), null, {timeout: 30_000});
    await config.waitForSelector(".submit-panel button.submit-plan:not([disabled])", {timeout: 30_000});
    assert.match((await config.textContent(".submit-panel")) ?? "", /SIMULATED/);
    await config.click(".submit-panel button.submit-plan");
    await config.waitForSelector(".submit-result .submitted-job", {timeout: 120_000});
    const job = (await config.textContent(".submit-result .submitted-job"))!.trim();
    assert.match(job, /^dschat-step1-opt-1-3b-[0-9a-f]{10}$/);

    // (preview may reload the page once, when the live files it serves first appear)
    const shown = () =>
      page.evaluate(() => ({
        run: (document.querySelector("form select") as HTMLSelectElement | null)?.selectedOptions[0]?.textContent ?? "",
        status: document.querySelector(".run-status")?.textContent ?? null,
        points: Number(document.querySelector('figure.metric-chart[data-title="Throughput (samples/s)"]')?.getAttribute("data-points") ?? 0),
        stop: document.querySelector("button.stop-job") !== null
      })).catch(() => ({run: "", status: null, points: 0, stop: false}));
    const seen: number[] = [];
    const states = new Set<string>();
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const now = await shown();
      states.add(JSON.stringify({...now, points: now.points > 0, t: Math.round((Date.now() - deadline) / 1000)}));
      if (now.run.startsWith(job) && now.status === "InProgress" && now.points > 0 && now.stop && seen.at(-1) !== now.points) seen.push(now.points);
      if (seen.length >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.ok(seen.length >= 2 && seen[1]! > seen[0]!, `the run grew on the page while in progress: ${JSON.stringify(seen)}, states ${[...states].join(" ")}, errors ${session.errors.join(" | ")}`);
    assert.equal(await page.textContent(".stop-command").catch(() => null), null, "the button replaces the CLI command");

    // the same running job on a page without the token: the stop command, no button
    const stranger = await session.browser.newContext();
    const plain = await stranger.newPage();
    await plain.goto(`${url}/runs`);
    const fallback = async () => plain.evaluate(() => ({command: document.querySelector(".stop-control .stop-command")?.textContent ?? null, button: document.querySelector("button.stop-job") !== null})).catch(() => null);
    let shownWithoutToken = await fallback();
    for (const until = Date.now() + 60_000; !shownWithoutToken?.command && Date.now() < until; shownWithoutToken = await fallback()) await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(shownWithoutToken, {command: `npx dschat-studio stop ${job} --emulator`, button: false});
    await stranger.close();

    // watching: the submitted job is followed; unwatch stops following it, watch resumes
    const post = (path: string, body: unknown) => call(`${url}${path}`, {method: "POST", headers: {"x-studio-token": token, "content-type": "application/json", origin: url}, body: JSON.stringify(body)});
    const watching = async () => JSON.parse((await call(`${url}/api/status`, {headers: {"x-studio-token": token}})).body).watching as string[];
    assert.deepEqual(await watching(), [job]);
    assert.deepEqual(JSON.parse((await post("/api/unwatch", {job})).body), {job, watching: false});
    assert.deepEqual(await watching(), []);
    assert.deepEqual(JSON.parse((await post("/api/watch", {job})).body), {job, watching: true});
    assert.deepEqual(await watching(), [job]);

    await page.click("button.stop-job");
    await page.waitForFunction(() => /Stopp(ing|ed)/.test(document.querySelector(".stop-message")?.textContent ?? ""), null, {timeout: 30_000});
    await page.waitForFunction(() => document.querySelector(".run-status")?.textContent === "Stopped", null, {timeout: 150_000});
    assert.deepEqual(externalRequests(session.requests), []);
    const status = JSON.parse((await call(`${url}/api/runs`, {headers: {"x-studio-token": token}})).body);
    assert.equal(status.runs.find((run: {job: string}) => run.job === job)?.status, "Stopped");

    // the stream of run updates: server-sent events, the runs document first
    const controller = new AbortController();
    const response = await fetch(`${url}/api/runs/stream`, {headers: {"x-studio-token": token}, signal: controller.signal});
    assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const reader = response.body!.getReader();
    let text = "";
    while (!text.includes("\n\n")) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const event = /^event: runs\ndata: (.*)\n\n/.exec(text);
    assert.ok(event, text.slice(0, 200));
    assert.equal(JSON.parse(event[1]!).runs[0].job, job);
    assert.equal((await call(`${url}/api/runs/stream`)).status, 401);
  });

  it("a port in use is an error with its fix (exit 2)", async () => {
    const second = spawn(process.execPath, ["--import", "tsx", "scripts/studio.ts"], {
      cwd: root,
      env: {...process.env, DSCHAT_STUDIO_PORT: new URL(url).port, DSCHAT_STUDIO_EMULATOR_PORT: String(await freePort()), DSCHAT_STUDIO_CACHE: join(work, "cache"), DSCHAT_STUDIO_RUNS: join(work, "runs"), OBSERVABLE_TELEMETRY_DISABLE: "true"}
    });
    let stderr = "";
    second.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => second.on("exit", resolve));
    assert.equal(code, 2, stderr);
    assert.match(stderr, new RegExp(`port ${new URL(url).port} of 127\\.0\\.0\\.1 is in use[^\\n]*\\n  fix: `));
  });

  it("without the server's token the pages show the CLI command instead of Submit", async () => {
    const context = await session.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${url}/config`);
    await page.waitForSelector(".submit-panel .submit-cli", {timeout: 60_000});
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(await page.$(".submit-panel button.submit-plan"), null);
    assert.match((await page.textContent(".submit-panel")) ?? "", /npx dschat-studio submit plan\.json --data DIR --emulator --watch/);
    await context.close();
  });
});
