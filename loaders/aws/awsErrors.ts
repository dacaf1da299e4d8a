/**
 * AWS errors → one UserError that says what happened and what to do: the permission that is missing, the quota to raise,
 * the token to refresh, the name already taken. Its details mark throttling and transient faults as retryable, which
 * `withBackoff` retries (on top of the SDK's own retries) with exponential backoff and jitter.
 */
import {UserError} from "../../src/core/contract/userError.js";

export interface AwsCallContext {
  /** e.g. "sagemaker:CreateTrainingJob" — the IAM action of the call. */
  action: string;
  /** What the call was about, e.g. a job name or s3://bucket/key. */
  resource?: string;
}

export type AwsErrorKind =
  | "access-denied"
  | "expired-credentials"
  | "no-credentials"
  | "invalid-credentials"
  | "quota"
  | "throttled"
  | "name-in-use"
  | "not-found"
  | "no-such-bucket"
  | "validation"
  | "unreachable"
  | "service";

/** What an AWS error's UserError carries in `details`, for callers that branch on it (never parse the message). */
export interface AwsErrorDetails {
  kind: AwsErrorKind;
  /** The IAM action of the call, e.g. "sagemaker:CreateTrainingJob". */
  action: string;
  resource: string | null;
  /** Throttling and transient faults: `withBackoff` retries them. */
  retryable: boolean;
  /** The service's error code (e.g. ResourceLimitExceeded), when there was one. */
  awsCode: string | null;
}

/**
 * An AWS call that failed for a reason the user can act on: a UserError (exit 2) whose `code` is `aws:<kind>` and whose
 * `details` are AwsErrorDetails. `fix` is the sentence that says what to do.
 */
export function awsError(kind: AwsErrorKind, what: string, fix: string, context: AwsCallContext, options: {retryable?: boolean; code?: string; cause?: unknown} = {}): UserError {
  const details: AwsErrorDetails = {kind, action: context.action, resource: context.resource ?? null, retryable: options.retryable ?? false, awsCode: options.code || null};
  return new UserError(what, {fix, code: `aws:${kind}`, details: details as unknown as Record<string, unknown>, cause: options.cause});
}

/** The AWS details of an error made by `awsError`; null for any other error. */
export function awsDetails(error: unknown): AwsErrorDetails | null {
  return error instanceof UserError && error.code?.startsWith("aws:") ? (error.details as unknown as AwsErrorDetails) : null;
}

/** Whether `error` is an AWS error of this kind (e.g. "not-found"). */
export function isAwsError(error: unknown, kind: AwsErrorKind): boolean {
  return awsDetails(error)?.kind === kind;
}

interface SdkLikeError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: {httpStatusCode?: number};
  $fault?: string;
}

const THROTTLING = new Set(["ThrottlingException", "Throttling", "TooManyRequestsException", "SlowDown", "RequestLimitExceeded", "ProvisionedThroughputExceededException", "RequestThrottled"]);
const EXPIRED = new Set(["ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired", "InvalidClientTokenId"]);
const INVALID = new Set(["InvalidAccessKeyId", "SignatureDoesNotMatch", "UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignature"]);
const ACCESS = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden", "AuthorizationError"]);
const NETWORK = new Set(["ECONNREFUSED", "ENOTFOUND", "ECONNRESET", "ETIMEDOUT", "EAI_AGAIN", "EHOSTUNREACH", "TimeoutError"]);

/** Which action a denial names: "... is not authorized to perform: iam:PassRole on resource: ..." */
function deniedAction(message: string): string | null {
  const match = /not authorized to perform:?\s*([a-zA-Z0-9-]+:[A-Za-z0-9]+)/.exec(message);
  return match ? match[1]! : null;
}

/** Any error of an AWS call → the UserError that says what to do about it (an `awsError` passes through). */
export function translateAwsError(error: unknown, context: AwsCallContext): UserError {
  if (awsDetails(error)) return error as UserError;
  const e = (error ?? {}) as SdkLikeError;
  const code = e.name && e.name !== "Error" ? e.name : (e.Code ?? e.code ?? "");
  const message = e.message ?? String(error);
  const where = context.resource ? ` (${context.resource})` : "";
  const status = e.$metadata?.httpStatusCode;

  if (THROTTLING.has(code) || status === 429 || /rate exceeded|throttl/i.test(message))
    return awsError("throttled", `AWS throttled ${context.action}${where}: ${message}`, "Wait a moment and retry; lower the polling rate if many jobs are watched.", context, {retryable: true, code, cause: error});
  if (EXPIRED.has(code) || /token.*expired|expired.*token|security token included in the request is expired/i.test(message))
    return awsError(
      "expired-credentials",
      `your AWS credentials have expired${where}: ${message}`,
      "Refresh them: `aws sso login --profile <profile>` for SSO, or renew the session token in your environment or credentials file.",
      context,
      {code, cause: error}
    );
  if (code === "CredentialsProviderError" || /Could not load credentials/i.test(message))
    return awsError(
      "no-credentials",
      `no AWS credentials were found for ${context.action}: ${message}`,
      "Configure the default chain: `aws configure`, `aws sso login`, AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment; or try the local emulator (`dschat-studio emulator`).",
      context,
      {code, cause: error}
    );
  if (INVALID.has(code))
    return awsError("invalid-credentials", `AWS did not accept your credentials for ${context.action}${where}: ${message}`, "Check AWS_PROFILE or the access key in use (`aws sts get-caller-identity`).", context, {code, cause: error});
  if (ACCESS.has(code) || status === 403) {
    const action = deniedAction(message) ?? context.action;
    const passRole = action === "iam:PassRole" || /PassRole/.test(message);
    return awsError(
      "access-denied",
      `access denied: your identity may not perform ${action}${where}`,
      passRole
        ? "Allow iam:PassRole on the execution role (--role) for your identity, with iam:PassedToService = sagemaker.amazonaws.com."
        : `Add ${action} to your IAM policy${action.startsWith("s3:") ? " for this bucket (and s3:ListBucket on it)" : ""}, or use a profile that has it.`,
      context,
      {code, cause: error}
    );
  }
  if (code === "ResourceLimitExceeded") {
    const quota = /(?:service limit|quota)\s+'([^']+)'/i.exec(message)?.[1];
    return awsError(
      "quota",
      `SageMaker refused ${context.action}${where}: a quota is exhausted — ${message}`,
      quota
        ? `Request an increase of the SageMaker quota '${quota}' in the Service Quotas console (or choose another instance type or region); stopped jobs free their instances.`
        : "Request a SageMaker quota increase in the Service Quotas console (e.g. '<instance type> for training job usage'), or choose another instance type.",
      context,
      {code, cause: error}
    );
  }
  if (code === "ResourceInUse")
    return awsError("name-in-use", `a training job named ${context.resource ?? "so"} already exists with a different request: ${message}`, "Job names are unique per account and region: submit again as a new run (--rerun).", context, {code, cause: error});
  if (code === "NoSuchBucket")
    return awsError("no-such-bucket", `the bucket of ${context.resource ?? "this call"} does not exist`, "Create it (`aws s3 mb s3://<bucket>` in the job's region) or pass another --bucket.", context, {code, cause: error});
  if (code === "ResourceNotFound" || code === "NotFound" || code === "NoSuchKey" || (code === "ValidationException" && /not found|does not exist/i.test(message)))
    return awsError("not-found", `${context.resource ?? "the resource"} was not found (${context.action}): ${message}`, "Check the name and the region (AWS_REGION).", context, {code, cause: error});
  if (code === "ValidationException")
    return awsError("validation", `SageMaker rejected ${context.action}${where}: ${message}`, "Correct the field the message names; dschat-studio checks SageMaker's documented limits before a call, so report this one if the request came from a plan.", context, {code, cause: error});
  if (NETWORK.has(code) || NETWORK.has((e as {code?: string}).code ?? "") || /ECONNREFUSED|socket hang up|getaddrinfo/i.test(message))
    return awsError(
      "unreachable",
      `cannot reach the AWS endpoint for ${context.action}: ${message}`,
      "Check the network; with the local emulator, check that `dschat-studio emulator` runs and that AWS_ENDPOINT_URL_* point at it.",
      context,
      {retryable: true, code, cause: error}
    );
  const serverFault = e.$fault === "server" || (status !== undefined && status >= 500);
  return awsError("service", `${context.action}${where} failed: ${code ? `${code}: ` : ""}${message}`, serverFault ? "A fault on AWS's side: retry later." : "Check the message above; rerun with --debug for AWS's full error.", context, {retryable: serverFault, code, cause: error});
}

export interface BackoffOptions {
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason ?? new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, {once: true});
  });
}

/** Runs `call`, translating its errors; retryable ones (throttling, transient faults) are retried with backoff and jitter. */
export async function withBackoff<T>(context: AwsCallContext, call: () => Promise<T>, options: BackoffOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (raw) {
      const error = translateAwsError(raw, context);
      if (!awsDetails(error)!.retryable || attempt >= attempts) throw error;
      const cap = Math.min(options.maxMs ?? 20_000, (options.baseMs ?? 500) * 2 ** (attempt - 1));
      await wait(cap / 2 + Math.random() * (cap / 2), options.signal);
    }
  }
}
