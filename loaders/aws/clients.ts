/**
 * The four AWS SDK v3 clients the studio uses. Credentials come only from the SDK's default chain (environment, shared
 * config and credentials files, SSO, container and instance roles): nothing here reads or passes a key. Endpoints come
 * from the SDK's own `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` variables, which is how the same code talks to the
 * local emulator. Throttled and transient failures are retried by the SDK's standard strategy (exponential backoff with jitter).
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
  /** Default: the SDK's resolution (AWS_REGION, AWS_DEFAULT_REGION, the profile's region). */
  region?: string;
  /** Attempts per call, retries included (default 6). */
  maxAttempts?: number;
  /** Read for the endpoint-override check only; the SDK itself reads process.env. */
  env?: NodeJS.ProcessEnv;
}

const NO_REGION = () =>
  new UserError("no AWS region is configured", {where: {}, fix: "Set AWS_REGION (e.g. us-east-1) or a region in your AWS profile.", code: "aws:no-region"});

export async function createAwsClients(options: AwsClientOptions = {}): Promise<AwsClients> {
  const env = options.env ?? process.env;
  const common = {
    ...(options.region ? {region: options.region} : {}),
    maxAttempts: options.maxAttempts ?? 6,
    retryMode: "standard" as const
  };
  const s3Endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const customEndpoints = Object.keys(env).some((key) => key === "AWS_ENDPOINT_URL" || key.startsWith("AWS_ENDPOINT_URL_"));
  const sagemaker = new SageMakerClient(common);
  // A custom S3 endpoint (the emulator on 127.0.0.1, MinIO…) has no per-bucket host names: address buckets by path.
  const s3 = new S3Client({...common, forcePathStyle: Boolean(s3Endpoint)});
  const logs = new CloudWatchLogsClient(common);
  const cloudwatch = new CloudWatchClient(common);
  const destroy = () => [sagemaker, s3, logs, cloudwatch].forEach((client) => client.destroy());
  let region: string;
  try {
    region = await sagemaker.config.region();
  } catch {
    destroy();
    throw NO_REGION();
  }
  if (!region) {
    destroy();
    throw NO_REGION();
  }
  return {region, sagemaker, s3, logs, cloudwatch, customEndpoints, destroy};
}
