/**
 * End-to-end harness: builds the studio once per test run (inside a network namespace with only loopback when the
 * machine allows it), serves `dist/` on 127.0.0.1 and drives Debian's headless Chromium through playwright-core,
 * recording every request the page and its workers make.
 */
import {spawn, spawnSync} from "node:child_process";
import {existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import {createServer, type Server} from "node:http";
import type {AddressInfo} from "node:net";
import {extname, join, normalize} from "node:path";
import {fileURLToPath} from "node:url";
import {chromium, type Browser, type BrowserContext, type Page} from "playwright-core";

export const root = fileURLToPath(new URL("../..", import.meta.url));
const dist = join(root, "dist");
const stamp = join(dist, ".e2e-build.json");
const lock = join(root, "src", ".observablehq", "e2e-build.lock");

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
];

export interface BuildResult {
  /** True when the build ran inside `unshare -n` (no network but loopback). */
  offline: boolean;
  /** Why the build could not be isolated, when it was not. */
  reason: string | null;
  seconds: number;
  log: string;
}

/** Whether this process may create a network namespace (root in CI; not in unprivileged containers). */
export function canUnshareNetwork(): {ok: boolean; reason: string | null} {
  const probe = spawnSync("unshare", ["-n", "true"], {encoding: "utf8"});
  if (probe.error) return {ok: false, reason: `unshare is not available: ${probe.error.message}`};
  if (probe.status !== 0) return {ok: false, reason: `unshare -n is not permitted here: ${probe.stderr.trim()}`};
  return {ok: true, reason: null};
}

/**
 * Builds once per test run (keyed by DSCHAT_TEST_RUN, set by scripts/run-tests.mjs). The loader and npm caches are
 * wiped first so that the data loaders and the npm prefill really run inside the namespace.
 */
export function ensureBuilt(): BuildResult {
  const run = process.env.DSCHAT_TEST_RUN ?? `pid-${process.ppid}`;
  if (existsSync(stamp)) {
    const previous = JSON.parse(readFileSync(stamp, "utf8"));
    if (previous.run === run) return previous.result as BuildResult;
  }
  acquireLock();
  try {
    if (existsSync(stamp)) {
      const previous = JSON.parse(readFileSync(stamp, "utf8"));
      if (previous.run === run) return previous.result as BuildResult;
    }
    rmSync(join(root, "src", ".observablehq", "cache"), {recursive: true, force: true});
    const isolation = canUnshareNetwork();
    const command = isolation.ok ? ["unshare", "-n", "npm", "run", "build"] : ["npm", "run", "build"];
    const started = performance.now();
    const build = spawnSync(command[0], command.slice(1), {
      cwd: root,
      encoding: "utf8",
      env: {...process.env, OBSERVABLE_TELEMETRY_DISABLE: "true"},
      maxBuffer: 64 * 1024 * 1024
    });
    const log = `${build.stdout}\n${build.stderr}`;
    if (build.status !== 0) throw new Error(`${command.join(" ")} failed with exit code ${build.status}:\n${log.slice(-4000)}`);
    const result: BuildResult = {
      offline: isolation.ok,
      reason: isolation.reason,
      seconds: (performance.now() - started) / 1000,
      log
    };
    writeFileSync(stamp, JSON.stringify({run, result}));
    return result;
  } finally {
    rmSync(lock, {recursive: true, force: true});
  }
}

function acquireLock() {
  const deadline = Date.now() + 10 * 60_000;
  mkdirSync(join(lock, ".."), {recursive: true});
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch {
      // Another test file is building; a lock older than the deadline is left from a killed run.
      if (Date.now() - statSync(lock, {throwIfNoEntry: false})!.mtimeMs > 10 * 60_000) rmSync(lock, {recursive: true, force: true});
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
}

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".arrow": "application/vnd.apache.arrow.stream",
  ".svg": "image/svg+xml",
  ".png": "image/png"
};

/** A static server for dist/ with Framework's clean URLs (/datasets → datasets.html), bound to 127.0.0.1 only. */
export async function serveDist(): Promise<{url: string; close: () => Promise<void>}> {
  const server: Server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? "/", "http://127.0.0.1").pathname);
    let file = normalize(join(dist, pathname));
    if (!file.startsWith(dist)) return void response.writeHead(403).end();
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file) && existsSync(`${file}.html`)) file = `${file}.html`;
    if (!existsSync(file)) return void response.writeHead(404).end("not found");
    response.writeHead(200, {"content-type": contentTypes[extname(file)] ?? "application/octet-stream"});
    response.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const {port} = server.address() as AddressInfo;
  return {url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve()))};
}

export interface Session {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Every URL requested by the page, its frames and its workers. */
  requests: string[];
  /** Console errors and uncaught page errors, for failure messages. */
  errors: string[];
  close(): Promise<void>;
}

export async function openBrowser(): Promise<Session> {
  const browser = await chromium.launch({executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true});
  const context = await browser.newContext({viewport: {width: 1280, height: 1000}});
  const requests: string[] = [];
  const errors: string[] = [];
  // Routing sees requests from workers too (duckdb-wasm runs in one); anything not on loopback is recorded and aborted.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    requests.push(url);
    return isLoopback(url) ? route.continue() : route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  page.on("pageerror", (error) => errors.push(error.message));
  return {browser, context, page, requests, errors, close: () => browser.close()};
}

export function isLoopback(url: string): boolean {
  const {protocol, hostname} = new URL(url);
  if (protocol === "data:" || protocol === "blob:") return true;
  return hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]";
}

export function externalRequests(requests: string[]): string[] {
  return requests.filter((url) => !isLoopback(url));
}

/**
 * Builds (once), serves dist/ and opens `path` in headless Chromium, resolving when `isSettled` holds in the page —
 * i.e. when DuckDB answered the cells a test reads. `close()` ends the browser and the server.
 */
export async function openPage(path: string, isSettled: () => boolean): Promise<Session> {
  ensureBuilt();
  const server = await serveDist();
  const session = await openBrowser();
  await session.page.goto(`${server.url}${path}`);
  await session.page.waitForFunction(isSettled, null, {timeout: 60_000});
  return {
    ...session,
    close: async () => {
      await session.close();
      await server.close();
    }
  };
}

/**
 * `observable preview` (what the studio server of `npm start` serves the pages through) on a free port of 127.0.0.1 with `env` added (e.g. its own
 * DSCHAT_STUDIO_CACHE), for what only the live server does: data loaders run on request. Needs the npm cache the build
 * filled (call ensureBuilt first). `close()` ends the server's whole process group.
 */
export async function startPreview(env: NodeJS.ProcessEnv = {}): Promise<{url: string; close: () => Promise<void>}> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const {port} = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  const bin = join(root, "node_modules", ".bin");
  const child = spawn(join(bin, "observable"), ["preview", "--host", "127.0.0.1", "--port", String(port), "--no-open"], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {...process.env, ...env, PATH: `${bin}:${process.env.PATH}`, OBSERVABLE_TELEMETRY_DISABLE: "true"}
  });
  let log = "";
  child.stdout.on("data", (chunk) => (log += chunk));
  child.stderr.on("data", (chunk) => (log += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (!log.includes(`127.0.0.1:${port}`)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`observable preview did not start:\n${log.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-child.pid!, "SIGTERM");
      await exited;
    }
  };
}
