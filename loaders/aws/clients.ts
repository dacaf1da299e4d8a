/**
 * The four AWS SDK v3 clients the studio uses. Credentials come only from the SDK's default chain (environment, shared
 * config and credentials files, SSO, container and instance roles): nothing here reads or passes a key. Endpoints come
 * from the SDK's own `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` variables (read from the given environment and
 * passed to each client), which is how the same code talks to the local emulator. Throttled and transient failures are retried by the SDK's standard strategy (exponential backoff with jitter).
 */
import {CloudWatchClient} from "@aws-sdk/client-cloudwatch";
import {CloudWatchLogsClient} from "@aws-sdk/client-cloudwatch-logs";
import {S3Client} from "@aws-sdk/client-s3";
import {SageMakerClient} from "@aws-sdk/client-sagemaker";
import {UserError} from "../../src/core/contract/userError.js";

export interface AwsClients {
  region: string;
  sagemaker: SageMakerClient;
  s3: S3Client;
  logs: CloudWatchLogsClient;
  cloudwatch: CloudWatchClient;
  /** Whether any endpoint is overridden (an emulator or another S3-compatible store). */
  customEndpoints: boolean;
  destroy(): void;
}

export interface AwsClientOptions {
  /** Default: AWS_REGION, AWS_DEFAULT_REGION, then the SDK's resolution (the profile's region). */
  region?: string;
  /** Attempts per call, retries included (default 6). */
  maxAttempts?: number;
  /** Where AWS_REGION and the AWS_ENDPOINT_URL[_<SERVICE>] variables are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * Fixed credentials, only for the local emulator (which checks no signature): a simulated job never touches the
   * user's real credentials. Real AWS always goes through the SDK's default chain.
   */
  emulatorCredentials?: boolean;
}

const NO_REGION = () =>
  new UserError("no AWS region is configured", {where: {}, fix: "Set AWS_REGION (e.g. us-east-1) or a region in your AWS profile.", code: "aws:no-region"});

/** The endpoint override of one service: AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL (the SDK's own variables). */
export function endpointOf(env: NodeJS.ProcessEnv, service: "SAGEMAKER" | "S3" | "CLOUDWATCH_LOGS" | "CLOUDWATCH"): string | undefined {
  return env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;
}

export async function createAwsClients(options: AwsClientOptions = {}): Promise<AwsClients> {
  // The SDK warns on every run under Node 20 that releases after January 2027 need Node 22; package-lock.json pins a
  // release that supports Node 20 (README: Start), so the warning is noise on every command's stderr.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const env = options.env ?? process.env;
  const region = options.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  const common = {
    ...(region ? {region} : {}),
    ...(options.emulatorCredentials ? {credentials: {accessKeyId: "dschat-studio-emulator", secretAccessKey: "the-emulator-checks-no-signature"}} : {}),
    maxAttempts: options.maxAttempts ?? 6,
    retryMode: "standard" as const
  };
  const at = (service: Parameters<typeof endpointOf>[1]) => {
    const endpoint = endpointOf(env, service);
    return endpoint ? {endpoint} : {};
  };
  const s3Endpoint = endpointOf(env, "S3");
  const customEndpoints = Object.keys(env).some((key) => (key === "AWS_ENDPOINT_URL" || key.startsWith("AWS_ENDPOINT_URL_")) && Boolean(env[key]));
  const sagemaker = new SageMakerClient({...common, ...at("SAGEMAKER")});
  // A custom S3 endpoint (the emulator on 127.0.0.1, MinIO…) has no per-bucket host names: address buckets by path.
  const s3 = new S3Client({...common, ...at("S3"), forcePathStyle: Boolean(s3Endpoint)});
  const logs = new CloudWatchLogsClient({...common, ...at("CLOUDWATCH_LOGS")});
  const cloudwatch = new CloudWatchClient({...common, ...at("CLOUDWATCH")});
  const destroy = () => [sagemaker, s3, logs, cloudwatch].forEach((client) => client.destroy());
  let resolved: string;
  try {
    resolved = await sagemaker.config.region();
  } catch {
    destroy();
    throw NO_REGION();
  }
  if (!resolved) {
    destroy();
    throw NO_REGION();
  }
  return {region: resolved, sagemaker, s3, logs, cloudwatch, customEndpoints, destroy};
}
