/**
 * dschat-studio's local AWS emulator: one HTTP server on 127.0.0.1 that speaks the wire protocols the AWS SDK v3 clients
 * of loaders/aws use — SageMaker and CloudWatch Logs (awsJson1_1), CloudWatch metrics (awsJson1_0, query-compatible) and
 * S3 (REST XML, path style) — so the studio's code runs unchanged against it through AWS_ENDPOINT_URL_*. Training jobs
 * run the uploaded launcher with a DS-Chat stand-in that replays a published DS-Chat log; everything it reports says
 * SIMULATED. It checks no signatures (any credentials are accepted) and keeps jobs, logs and metrics in memory; S3
 * objects persist under dataDir.
 */
import {mkdirSync} from "node:fs";
import {createServer, type IncomingMessage, type Server, type ServerResponse} from "node:http";
import type {AddressInfo} from "node:net";
import {join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {regionOf, sendJson, sendJsonError, ServiceError} from "./awsJson.js";
import {LogsStore} from "./logsService.js";
import {MetricsStore} from "./metricsService.js";
import {handleS3, S3Store} from "./s3Service.js";
import {LOG_GROUP, SageMakerService} from "./sagemakerService.js";

/** GET on this path answers only on dschat-studio's emulator (not a valid S3 bucket name, so no clash with S3 paths). */
export const EMULATOR_PROBE_PATH = "/__dschat-studio/emulator";
/** Where `dschat-studio emulator` listens by default, and where `--emulator` looks for it (DSCHAT_STUDIO_EMULATOR_PORT). */
export const DEFAULT_EMULATOR_PORT = 4599;

export const DEFAULT_EMULATOR_DATA_DIR = fileURLToPath(new URL("../../data/cache/emulator/", import.meta.url));

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** S3 objects and job work folders (default data/cache/emulator, git-ignored). */
  dataDir?: string;
  /**
   * How much faster than the default timeline jobs run. At 1: each of Starting, Downloading and Uploading takes 2 s and
   * the stand-in replays its log over 20 s; at 10: 0.2 s and 2 s.
   */
  speed?: number;
  /** Override the replay duration in seconds (default 20 / speed). */
  replaySeconds?: number;
  /** Keep every request (bodies included) in `requests`, for tests that check what was sent. */
  record?: boolean;
  /** Python for the launcher (default $PYTHON or python3). */
  python?: string;
  /** Instances per type that may run at once before ResourceLimitExceeded (default 8). */
  instanceQuota?: number;
}

export interface RecordedRequest {
  method: string;
  url: string;
  /** X-Amz-Target for JSON protocols ("SageMaker.CreateTrainingJob"); "s3" otherwise. */
  target: string;
  /** Every header except the SigV4 credentials (authorization, x-amz-security-token), which carry them by design. */
  headers: Record<string, string>;
  /** The body, decoded as latin1 so that any byte sequence stays searchable. */
  body: string;
  /** Names of the credential headers the request carried. */
  credentialHeaders: string[];
}

export interface Fault {
  /** "SageMaker.CreateTrainingJob", "Logs_20140328.GetLogEvents", … */
  target: string;
  type: string;
  message: string;
  status?: number;
  /** How many calls fail (default 1). */
  times?: number;
}

export interface Emulator {
  url: string;
  port: number;
  dataDir: string;
  /** The AWS_ENDPOINT_URL_* variables that point the SDK at this emulator. */
  endpoints: Record<string, string>;
  requests: RecordedRequest[];
  /** Makes the next call(s) to a target fail with an AWS error, as AWS would (throttling, access denied…). */
  injectFault(fault: Fault): void;
  /** Log lines of a job (all hosts), for tests. */
  jobLog(jobName: string): Array<{stream: string; message: string}>;
  close(): Promise<void>;
}

const CREDENTIAL_HEADERS = new Set(["authorization", "x-amz-security-token"]);

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolvePromise(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const speed = options.speed ?? 1;
  if (!(speed > 0)) throw new Error(`speed must be a positive number, got ${options.speed}`);
  const dataDir = resolve(options.dataDir ?? DEFAULT_EMULATOR_DATA_DIR);
  mkdirSync(dataDir, {recursive: true});
  const s3 = new S3Store(join(dataDir, "s3"));
  const logs = new LogsStore();
  const metrics = new MetricsStore();
  const sagemaker = new SageMakerService(
    {
      phaseSeconds: 2 / speed,
      replaySeconds: options.replaySeconds ?? 20 / speed,
      stopGraceSeconds: Math.min(120, 120 / speed),
      python: options.python ?? process.env.PYTHON ?? "python3",
      workDir: join(dataDir, "jobs"),
      instanceQuota: options.instanceQuota ?? 8
    },
    s3,
    logs,
    metrics
  );
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];

  const services: Record<string, {handle: (operation: string, input: Record<string, any>, context: {region: string}) => unknown; contentType: string; queryCompatible: boolean}> = {
    SageMaker: {handle: (op, input, context) => sagemaker.handle(op, input, context), contentType: "application/x-amz-json-1.1", queryCompatible: false},
    Logs_20140328: {handle: (op, input) => logs.handle(op, input), contentType: "application/x-amz-json-1.1", queryCompatible: false},
    GraniteServiceVersion20100801: {handle: (op, input) => metrics.handle(op, input), contentType: "application/x-amz-json-1.0", queryCompatible: true}
  };

  const server: Server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    const target = String(request.headers["x-amz-target"] ?? "");
    if (options.record) {
      const headers: Record<string, string> = {};
      const credentialHeaders: string[] = [];
      for (const [name, value] of Object.entries(request.headers)) {
        if (CREDENTIAL_HEADERS.has(name)) credentialHeaders.push(name);
        else headers[name] = Array.isArray(value) ? value.join(", ") : String(value ?? "");
      }
      requests.push({method: request.method ?? "", url: request.url ?? "", target: target || "s3", headers, body: body.toString("latin1"), credentialHeaders});
    }
    if (!target && request.url === EMULATOR_PROBE_PATH) return sendJson(response, 200, {emulator: "dschat-studio", simulated: true, jobs: sagemaker.jobNames().length}, "application/json");
    if (!target) return handleS3(s3, request, response, body);
    const [prefix, operation] = target.split(".");
    const service = services[prefix ?? ""];
    if (!service || !operation) return sendJsonError(response, new ServiceError("UnknownOperationException", `unknown target ${target}`), "application/x-amz-json-1.1", false);
    const faultIndex = faults.findIndex((fault) => fault.target === target);
    if (faultIndex !== -1) {
      const fault = faults[faultIndex]!;
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) faults.splice(faultIndex, 1);
      return sendJsonError(response, new ServiceError(fault.type, fault.message, fault.status ?? 400), service.contentType, service.queryCompatible);
    }
    try {
      const input = body.length ? (JSON.parse(body.toString("utf8")) as Record<string, any>) : {};
      const output = await service.handle(operation, input, {region: regionOf(request.headers.authorization)});
      sendJson(response, 200, output, service.contentType);
    } catch (error) {
      const serviceError = error instanceof ServiceError ? error : error instanceof SyntaxError ? new ServiceError("SerializationException", "the body is not valid JSON") : new ServiceError("InternalFailure", (error as Error).message, 500);
      sendJsonError(response, serviceError, service.contentType, service.queryCompatible);
    }
  });
  // Pollers keep connections alive between calls; a keep-alive shorter than their interval gives "socket hang up".
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolvePromise());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    dataDir,
    endpoints: {AWS_ENDPOINT_URL_SAGEMAKER: url, AWS_ENDPOINT_URL_S3: url, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: url, AWS_ENDPOINT_URL_CLOUDWATCH: url},
    requests,
    injectFault: (fault) => faults.push({...fault}),
    jobLog: (jobName) => logs.messages(LOG_GROUP, `${jobName}/`),
    close: async () => {
      await sagemaker.stopAll();
      server.closeAllConnections();
      await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
    }
  };
}
