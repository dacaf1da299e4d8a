/**
 * Where a command's AWS calls go: real AWS through the SDK's default chain, or dschat-studio's local emulator — only when
 * asked, by `--emulator` (the emulator on 127.0.0.1:DSCHAT_STUDIO_EMULATOR_PORT, default 4599, started inside the
 * command when none runs and the command may start one) or by AWS_ENDPOINT_URL_* variables that point at it. The
 * session says whether its jobs are simulated, so that every output can say so. Nothing prints; usable from the CLI and
 * from a local studio server alike.
 */
import {join} from "node:path";
import {UserError} from "../../src/core/contract/userError.js";
import {cacheRoot} from "../engine/cache.js";
import {DEFAULT_EMULATOR_PORT, EMULATOR_PROBE_PATH, startEmulator, type Emulator} from "../emulator/server.js";
import {createAwsClients, endpointOf, type AwsClients} from "./clients.js";

export interface AwsSession {
  clients: AwsClients;
  /** True when the calls go to dschat-studio's emulator: every job is simulated. */
  simulated: boolean;
  /** The emulator's URL when simulated. */
  emulatorUrl: string | null;
  /** An emulator this session started itself (it stops with the session; its jobs end with it). */
  ownEmulator: Emulator | null;
  close(): Promise<void>;
}

export interface SessionOptions {
  env: NodeJS.ProcessEnv;
  /** `--emulator`: use the local emulator. */
  emulator?: boolean;
  /** With `emulator`: start one in this process when none answers (submit and chain do; status, list and stop do not). */
  startIfMissing?: boolean;
  /** Replay speed of an emulator started here (default DSCHAT_STUDIO_EMULATOR_SPEED or 1). */
  speed?: number;
}

/** Region of a simulated session when the environment names none. */
export const EMULATOR_REGION = "us-east-1";
/** The role and bucket a simulated job uses when the command names none (the emulator checks no IAM). */
export const EMULATOR_ROLE_ARN = "arn:aws:iam::000000000000:role/dschat-studio-emulator";
export const EMULATOR_BUCKET = "dschat-studio-emulator";

/** Whether dschat-studio's emulator answers at `url` (a short probe on its own path). */
export async function isEmulator(url: string): Promise<boolean> {
  try {
    const response = await fetch(new URL(EMULATOR_PROBE_PATH, url), {signal: AbortSignal.timeout(2000)});
    if (!response.ok) return false;
    const body = (await response.json()) as {emulator?: string};
    return body.emulator === "dschat-studio";
  } catch {
    return false;
  }
}

export function emulatorUrlFor(env: NodeJS.ProcessEnv): string {
  const port = env.DSCHAT_STUDIO_EMULATOR_PORT || String(DEFAULT_EMULATOR_PORT);
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)
    throw new UserError(`is not a TCP port: ${JSON.stringify(port)}`, {where: {option: "DSCHAT_STUDIO_EMULATOR_PORT"}, fix: "Set it to the port `dschat-studio emulator --port P` listens on."});
  return `http://127.0.0.1:${port}`;
}

function endpointVariables(url: string): Record<string, string> {
  return {AWS_ENDPOINT_URL_SAGEMAKER: url, AWS_ENDPOINT_URL_S3: url, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: url, AWS_ENDPOINT_URL_CLOUDWATCH: url};
}

export async function openAwsSession(options: SessionOptions): Promise<AwsSession> {
  let env = options.env;
  let emulatorUrl: string | null = null;
  let ownEmulator: Emulator | null = null;
  if (options.emulator) {
    const url = emulatorUrlFor(env);
    if (await isEmulator(url)) emulatorUrl = url;
    else if (options.startIfMissing) {
      const speed = options.speed ?? (Number(env.DSCHAT_STUDIO_EMULATOR_SPEED) || 1);
      ownEmulator = await startEmulator({dataDir: join(cacheRoot(env), "emulator"), speed});
      emulatorUrl = ownEmulator.url;
    } else
      throw new UserError(`no dschat-studio emulator answers on ${url}`, {
        where: {option: "--emulator"},
        fix: "Start one in another terminal with `npx dschat-studio emulator` (jobs live as long as it runs), or set DSCHAT_STUDIO_EMULATOR_PORT to its port."
      });
    env = {...env, ...endpointVariables(emulatorUrl)};
  } else {
    const endpoint = endpointOf(env, "SAGEMAKER");
    if (endpoint && /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/.test(endpoint) && (await isEmulator(endpoint))) emulatorUrl = endpoint;
  }
  const simulated = emulatorUrl !== null;
  if (simulated && !env.AWS_REGION && !env.AWS_DEFAULT_REGION) env = {...env, AWS_REGION: EMULATOR_REGION};
  let clients: AwsClients;
  try {
    clients = await createAwsClients({env, emulatorCredentials: simulated});
  } catch (error) {
    await ownEmulator?.close();
    throw error;
  }
  return {
    clients,
    simulated,
    emulatorUrl,
    ownEmulator,
    close: async () => {
      clients.destroy();
      await ownEmulator?.close();
    }
  };
}

/** Runs `work` in a session and always closes it. */
export async function withAwsSession<T>(options: SessionOptions, work: (session: AwsSession) => Promise<T>): Promise<T> {
  const session = await openAwsSession(options);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}
