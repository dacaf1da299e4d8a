/** `report --publish s3://bucket/prefix`: the site's files uploaded with the studio's S3 client (unchanged objects kept). */
import {createHash} from "node:crypto";
import {readFile} from "node:fs/promises";
import {extname, join} from "node:path";
import {UserError} from "../../src/core/contract/userError.js";
import type {AwsSession} from "../aws/session.js";
import {ensureBucket, uploadIfChanged} from "../aws/s3Objects.js";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".arrow": "application/vnd.apache.arrow.stream",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8"
};

export function parsePublishUri(uri: string): {bucket: string; prefix: string} {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!match) throw new UserError(`is not an S3 location: ${JSON.stringify(uri)}`, {where: {option: "--publish"}, fix: "Pass s3://BUCKET/PREFIX (a bucket name of 3–63 lowercase letters, digits, dots and hyphens)."});
  const prefix = (match[2] ?? "").replace(/^\/+|\/+$/g, "");
  return {bucket: match[1]!, prefix: prefix ? `${prefix}/` : ""};
}

export async function publishSite(session: AwsSession, dir: string, files: readonly string[], uri: string) {
  const {bucket, prefix} = parsePublishUri(uri);
  await ensureBucket(session.clients, bucket, {create: session.simulated});
  let uploaded = 0;
  for (const file of files) {
    const bytes = await readFile(join(dir, file));
    const result = await uploadIfChanged(session.clients, {
      bucket,
      key: `${prefix}${file}`,
      bytes,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      size: bytes.length,
      contentType: CONTENT_TYPES[extname(file)] ?? "application/octet-stream"
    });
    if (result.uploaded) uploaded += 1;
  }
  return {uri: `s3://${bucket}/${prefix}`, simulated: session.simulated, uploaded, unchanged: files.length - uploaded};
}
