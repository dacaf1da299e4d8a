/**
 * The AWS JSON protocols (awsJson1_0 and awsJson1_1): POST / with X-Amz-Target "<Service>.<Operation>", a JSON body,
 * a JSON answer; errors as HTTP 400/500 with {"__type", "message"} (and, for CloudWatch's awsQueryCompatible protocol, the
 * x-amzn-query-error header). Timestamps are epoch seconds in SageMaker and CloudWatch, epoch milliseconds in Logs.
 */
import type {ServerResponse} from "node:http";

export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400
  ) {
    super(message);
  }
}

export type JsonHandler = (operation: string, input: Record<string, unknown>, context: {region: string}) => unknown | Promise<unknown>;

export function sendJson(response: ServerResponse, status: number, body: unknown, contentType: string, extraHeaders: Record<string, string> = {}) {
  const bytes = Buffer.from(JSON.stringify(body ?? {}));
  response.writeHead(status, {"content-type": contentType, "content-length": bytes.length, "x-amzn-requestid": crypto.randomUUID(), ...extraHeaders});
  response.end(bytes);
}

export function sendJsonError(response: ServerResponse, error: ServiceError, contentType: string, queryCompatible: boolean) {
  sendJson(response, error.status, {__type: error.type, message: error.message}, contentType, {
    "x-amzn-errortype": error.type,
    ...(queryCompatible ? {"x-amzn-query-error": `${error.type};${error.status >= 500 ? "Receiver" : "Sender"}`} : {})
  });
}

/** epoch seconds (number) or ISO string → Date; undefined when absent. */
export function readTime(value: unknown, field: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const date = typeof value === "number" ? new Date(value * 1000) : typeof value === "string" ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new ServiceError("ValidationException", `${field} is not a timestamp`);
  return date;
}

export const epochSeconds = (date: Date | number) => (typeof date === "number" ? date : date.getTime()) / 1000;

/** The region of a SigV4-signed request: Credential=<key>/<date>/<region>/<service>/aws4_request. */
export function regionOf(authorization: string | undefined): string {
  return /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(authorization ?? "")?.[1] ?? "us-east-1";
}
