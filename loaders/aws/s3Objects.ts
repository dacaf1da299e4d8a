/**
 * S3 for the studio: uploads through @aws-sdk/lib-storage (multipart above one part, each part checked by S3 with a
 * SHA-256 checksum), skipping an object that already holds the same bytes (our SHA-256 of the whole object is kept in
 * its metadata, because a multipart object's own checksum is a checksum of part checksums). Nothing here prints.
 */
import {createReadStream} from "node:fs";
import {CreateBucketCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand} from "@aws-sdk/client-s3";
import {Upload} from "@aws-sdk/lib-storage";
import type {AwsClients} from "./clients.js";
import {translateAwsError, withBackoff} from "./awsErrors.js";

/** Metadata key (x-amz-meta-dschat-sha256) holding the SHA-256 of the object's bytes. */
export const DIGEST_METADATA = "dschat-sha256";
export const PART_SIZE = 8 * 1024 * 1024;

export interface UploadSource {
  bucket: string;
  key: string;
  /** A local file, or the bytes themselves. */
  file?: string;
  bytes?: Uint8Array;
  sha256: string;
  size: number;
  contentType: string;
}

export interface UploadResult {
  uri: string;
  uploaded: boolean;
  size: number;
}

export interface UploadEffects {
  onProgress?: (event: {key: string; loaded: number; total: number}) => void;
  signal?: AbortSignal;
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

export function parseS3Uri(uri: string): {bucket: string; key: string} {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`not an S3 URI: ${JSON.stringify(uri)}`);
  return {bucket: match[1]!, key: match[2]!};
}

/** The object's stored digest, or null when it does not exist. */
export async function storedDigest(clients: AwsClients, bucket: string, key: string): Promise<string | null> {
  try {
    const head = await clients.s3.send(new HeadObjectCommand({Bucket: bucket, Key: key}));
    return head.Metadata?.[DIGEST_METADATA] ?? "";
  } catch (error) {
    const e = error as {name?: string; $metadata?: {httpStatusCode?: number}};
    if (e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404) return null;
    throw translateAwsError(error, {action: "s3:GetObject", resource: s3Uri(bucket, key)});
  }
}

/** Uploads unless the object already holds these bytes (same SHA-256 in its metadata). */
export async function uploadIfChanged(clients: AwsClients, source: UploadSource, effects: UploadEffects = {}): Promise<UploadResult> {
  const uri = s3Uri(source.bucket, source.key);
  if ((await storedDigest(clients, source.bucket, source.key)) === source.sha256) return {uri, uploaded: false, size: source.size};
  if (!source.bytes && !source.file) throw new Error(`nothing to upload for ${uri}`);
  await withBackoff(
    {action: "s3:PutObject", resource: uri},
    async () => {
      const upload = new Upload({
        client: clients.s3,
        partSize: PART_SIZE,
        queueSize: 4,
        leavePartsOnError: false,
        params: {
          Bucket: source.bucket,
          Key: source.key,
          Body: source.bytes ?? createReadStream(source.file!),
          ContentType: source.contentType,
          Metadata: {[DIGEST_METADATA]: source.sha256},
          ChecksumAlgorithm: "SHA256"
        }
      });
      if (effects.onProgress) upload.on("httpUploadProgress", (progress) => effects.onProgress!({key: source.key, loaded: progress.loaded ?? 0, total: source.size}));
      const abort = () => void upload.abort();
      effects.signal?.addEventListener("abort", abort, {once: true});
      try {
        await upload.done();
      } finally {
        effects.signal?.removeEventListener("abort", abort);
      }
    },
    {signal: effects.signal, attempts: 3}
  );
  return {uri, uploaded: true, size: source.size};
}

/** Checks that the bucket exists and is reachable; `create` makes it when it is missing (meant for the local emulator). */
export async function ensureBucket(clients: AwsClients, bucket: string, options: {create?: boolean} = {}): Promise<{created: boolean}> {
  try {
    await clients.s3.send(new HeadBucketCommand({Bucket: bucket}));
    return {created: false};
  } catch (error) {
    const e = error as {name?: string; $metadata?: {httpStatusCode?: number}};
    const missing = e.name === "NotFound" || e.name === "NoSuchBucket" || e.$metadata?.httpStatusCode === 404;
    if (!missing) throw translateAwsError(error, {action: "s3:ListBucket", resource: `s3://${bucket}`});
    if (!options.create) throw translateAwsError(Object.assign(new Error(`bucket ${bucket} does not exist`), {name: "NoSuchBucket"}), {action: "s3:ListBucket", resource: `s3://${bucket}`});
  }
  await withBackoff({action: "s3:CreateBucket", resource: `s3://${bucket}`}, () =>
    clients.s3.send(new CreateBucketCommand({Bucket: bucket, ...(clients.region !== "us-east-1" ? {CreateBucketConfiguration: {LocationConstraint: clients.region as never}} : {})}))
  );
  return {created: true};
}

/** The bytes of one object (a model.tar.gz, a small report). */
export async function readObject(clients: AwsClients, uri: string): Promise<Buffer> {
  const {bucket, key} = parseS3Uri(uri);
  return withBackoff({action: "s3:GetObject", resource: uri}, async () => {
    const response = await clients.s3.send(new GetObjectCommand({Bucket: bucket, Key: key}));
    return Buffer.from(await response.Body!.transformToByteArray());
  });
}
