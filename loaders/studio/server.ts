/**
 * The studio server behind `npm start`: one Node HTTP server on 127.0.0.1 that serves the pages by proxying Framework's
 * live preview (`observable preview`, started as a child process on a free loopback port; its live-reload WebSocket
 * too) and answers a small JSON API under /api/ for the pages: submit a plan, stop a job, start and stop watching,
 * the runs, and a stream of run updates. Every request passes `checkSite` (Host and Origin are the studio's own); every
 * API call carries this start's token (security.ts). Credentials stay in this process: the AWS SDK's default chain, or
 * the emulator's dummy ones.
 */
import {spawn, type ChildProcess} from "node:child_process";
import {readFile, rm} from "node:fs/promises";
import {createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse} from "node:http";
import {connect, createServer as createNetServer, type AddressInfo, type Socket} from "node:net";
import {join} from "node:path";
import {listConvertedDatasets} from "../datasets.js";
import {cacheRoot} from "../engine/cache.js";
import {PROJECT_ROOT, runsRoot} from "../runs/runRecord.js";
import {liveDir, runsDocument} from "../runs/runsIndex.js";
import {UserError} from "../../src/core/contract/userError.js";
import {checkApiCall, checkSite, newToken, type Refusal} from "./security.js";
import {jobName, StudioActions, type StudioActionsOptions} from "./studioActions.js";

export interface StudioOptions extends Omit<StudioActionsOptions, "log"> {
  /** 0 picks a free port. */
  port?: number;
  /** Where the pages come from (default: `observable preview` of this repository). */
  previewUrl?: string;
  log?: (line: string) => void;
}

export interface Studio {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  token: string;
  /** The URL to open: the studio with its token. */
  openUrl: string;
  actions: StudioActions;
  close(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;

/** The Runs page's two live files, by the URL preview gives them. */
const LIVE_FILES: Record<string, {name: string; type: string}> = {
  "/_file/data/live/runs.json": {name: "runs.json", type: "application/json"},
  "/_file/data/live/run-metrics.arrow": {name: "run-metrics.arrow", type: "application/vnd.apache.arrow.stream"}
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer().once("error", reject).listen(0, "127.0.0.1", () => {
      const {port} = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** `observable preview` on a free loopback port, in its own process group (ended as a group with the studio). */
async function startPreview(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<{url: string; child: ChildProcess}> {
  const port = await freePort();
  const bin = join(PROJECT_ROOT, "node_modules", ".bin");
  const child = spawn(join(bin, "observable"), ["preview", "--host", "127.0.0.1", "--port", String(port), "--no-open"], {
    cwd: PROJECT_ROOT,
    env: {...env, PATH: `${bin}:${env.PATH ?? ""}`},
    detached: true,
    stdio: ["ignore", "pipe", "pipe"]
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(output);
      if (match && Number(match[1]) === port) resolve(`http://127.0.0.1:${port}`);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`observable preview exited (${code}) before it listened:\n${output.slice(-2000)}`)));
  });
  // Preview's own output (loader logs) goes to the studio's log, line by line.
  const forward = (chunk: Buffer) => chunk.toString().split("\n").filter((line) => line.trim()).forEach((line) => log(`preview: ${line}`));
  child.stdout!.removeAllListeners("data").on("data", forward);
  child.stderr!.removeAllListeners("data").on("data", forward);
  return {url, child};
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  response.writeHead(status, {"content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff"});
  response.end(text);
}

function refuse(response: ServerResponse, refusal: Refusal) {
  sendJson(response, refusal.status, {error: {message: refusal.message}});
}

async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new UserError(`the request body is larger than ${MAX_BODY} bytes`, {fix: "Send the plan alone."});
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
  } catch {
    throw new UserError("the request body is not JSON", {fix: "Send a JSON object."});
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new UserError("the request body is not a JSON object", {fix: "Send a JSON object."});
  return body as Record<string, unknown>;
}

interface Route {
  changesState: boolean;
  handle(request: IncomingMessage, response: ServerResponse): Promise<unknown>;
}

export async function startStudio(options: StudioOptions): Promise<Studio> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const token = newToken();
  // The studio's watches write the Runs page's live files into a folder of their own, which this server serves in
  // place of preview's: preview reloads a page whose attachments changed between its render and its live-reload
  // handshake, and a file rewritten every few seconds under src/ would keep a slowly loading page reloading.
  const env = {...options.env, DSCHAT_STUDIO_LIVE_DIR: options.env.DSCHAT_STUDIO_LIVE_DIR ?? join(cacheRoot(options.env), "studio-live")};
  if (!options.env.DSCHAT_STUDIO_LIVE_DIR) for (const {name} of Object.values(LIVE_FILES)) await rm(join(env.DSCHAT_STUDIO_LIVE_DIR, name), {force: true}); // a former session's
  const actions = await StudioActions.open({...options, env, log});
  let preview: {url: string; child: ChildProcess | null};
  try {
    preview = options.previewUrl ? {url: options.previewUrl, child: null} : await startPreview(options.env, log);
  } catch (error) {
    await actions.close();
    throw error;
  }
  const target = new URL(preview.url);
  const streams = new Set<ServerResponse>();

  const routes: Record<string, Route> = {
    "/api/status": {changesState: false, handle: async () => actions.status()},
    "/api/datasets": {
      changesState: false,
      handle: async () => ({datasets: (await listConvertedDatasets(options.env, log)).datasets.map((d) => ({key: d.key, sources: d.sources, sample: d.sample, format: d.format, train: d.train, eval: d.eval}))})
    },
    "/api/runs": {changesState: false, handle: async () => runsDocument(runsRoot(options.env))},
    "/api/submit": {changesState: true, handle: async (request) => actions.submit(await readJsonBody(request))},
    "/api/stop": {changesState: true, handle: async (request) => actions.stop(await readJsonBody(request))},
    "/api/watch": {changesState: true, handle: async (request) => actions.watch(jobName((await readJsonBody(request)).job))},
    "/api/unwatch": {changesState: true, handle: async (request) => actions.unwatch(jobName((await readJsonBody(request)).job))},
    "/api/runs/stream": {
      changesState: false,
      // Server-sent events over a fetch (the token travels in a header, which EventSource cannot send): the runs
      // document each time `watch` rewrote the Runs page's live index, checked every second.
      handle: async (request, response) => {
        response.writeHead(200, {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff"});
        streams.add(response);
        let last = "";
        const file = join(liveDir(env), "runs.json");
        const tick = async () => {
          const text = await readFile(file, "utf8").catch(() => null);
          const doc = text ?? JSON.stringify(await runsDocument(runsRoot(options.env)));
          if (doc !== last) {
            last = doc;
            response.write(`event: runs\ndata: ${doc}\n\n`);
          }
        };
        await tick();
        const timer = setInterval(() => void tick().catch(() => {}), 1000);
        request.once("close", () => {
          clearInterval(timer);
          streams.delete(response);
        });
        return undefined;
      }
    }
  };

  async function api(request: IncomingMessage, response: ServerResponse, pathname: string) {
    const route = routes[pathname];
    if (!route) return sendJson(response, 404, {error: {message: `no API call ${pathname}`}});
    const refusal = checkApiCall(request, token, {changesState: route.changesState});
    if (refusal) return refuse(response, refusal);
    try {
      const result = await route.handle(request, response);
      if (result !== undefined) sendJson(response, 200, result);
    } catch (error) {
      if (error instanceof UserError) return sendJson(response, 400, {error: {message: error.message, what: error.what, where: error.where, fix: error.fix}});
      log(`internal error in ${pathname}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      sendJson(response, 500, {error: {message: "internal error (a bug): see the studio's terminal"}});
    }
  }

  function proxy(request: IncomingMessage, response: ServerResponse) {
    const upstream = httpRequest(
      {host: target.hostname, port: target.port, method: request.method, path: request.url, headers: {...request.headers, host: target.host}},
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      }
    );
    upstream.on("error", () => {
      if (!response.headersSent) response.writeHead(502, {"content-type": "text/plain"});
      response.end("the page server (observable preview) did not answer");
    });
    request.pipe(upstream);
  }

  let port = 0;
  const server: Server = createServer((request, response) => {
    const refusal = checkSite(request, port);
    if (refusal) return refuse(response, refusal);
    const pathname = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    if (pathname === "/api" || pathname.startsWith("/api/")) return void api(request, response, pathname);
    const live = LIVE_FILES[pathname];
    if (live && request.method === "GET")
      return void readFile(join(liveDir(env), live.name)).then(
        (bytes) => {
          response.writeHead(200, {"content-type": live.type, "cache-control": "no-store"});
          response.end(bytes);
        },
        () => proxy(request, response) // no watch of this studio wrote it yet: preview's (the loader, or `watch`'s file)
      );
    proxy(request, response);
  });
  // Preview's live-reload WebSocket: the same Host/Origin checks, then the raw connection is piped through.
  server.on("upgrade", (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const refusal = checkSite(request, port);
    if (refusal) return void socket.end(`HTTP/1.1 ${refusal.status} Refused\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    const upstream = connect(Number(target.port), target.hostname, () => {
      const headers = Object.entries({...request.headers, host: target.host}).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${name}: ${v}`));
      upstream.write(`${request.method} ${request.url} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  const stopPreview = async () => {
    if (preview.child?.pid && preview.child.exitCode === null) {
      const exited = new Promise((resolve) => preview.child!.once("exit", resolve));
      process.kill(-preview.child.pid, "SIGTERM");
      await exited;
    }
  };
  try {
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(options.port ?? 0, "127.0.0.1", () => resolve()));
  } catch (error) {
    await stopPreview();
    await actions.close();
    throw error;
  }
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    token,
    openUrl: `${url}/config?token=${token}`,
    actions,
    close: async () => {
      for (const stream of streams) stream.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      await stopPreview();
      await actions.close();
    }
  };
}
