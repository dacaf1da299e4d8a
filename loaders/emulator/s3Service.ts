/**
 * The emulator's S3: the REST XML protocol, path-style (`/<bucket>/<key>`), with the calls the studio and the SDK's
 * lib-storage make — CreateBucket, HeadBucket, PutObject, GetObject, HeadObject, DeleteObject, ListObjectsV2 and the
 * multipart upload (Create, UploadPart, Complete, Abort) — verifying x-amz-checksum-* and Content-MD5 like S3 (aws-chunked
 * bodies with trailing checksums included). Objects live on disk under <dataDir>/s3, one file per object named by the
 * SHA-256 of its key, so no key can reach outside the store.
 */
import {createHash, randomUUID} from "node:crypto";
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from "node:fs";
import type {IncomingMessage, ServerResponse} from "node:http";
import {join} from "node:path";
import {bucketNameProblem} from "../../src/core/sagemaker/validateTrainingJob.js";
import {CHECKSUM_ALGORITHMS, checksumBase64, checksumBytes, type ChecksumAlgorithmName} from "./checksums.js";

export interface StoredObject {
  key: string;
  size: number;
  etag: string;
  contentType: string;
  lastModified: string;
  metadata: Record<string, string>;
  /** Whole-object checksums by algorithm; multipart ones are composite ("…-N"). */
  checksums: Partial<Record<ChecksumAlgorithmName, string>>;
}

interface PartMeta {
  partNumber: number;
  size: number;
  etag: string;
  md5: string;
  checksums: Partial<Record<ChecksumAlgorithmName, string>>;
}

interface UploadMeta {
  key: string;
  contentType: string;
  metadata: Record<string, string>;
  algorithm: ChecksumAlgorithmName | null;
}

export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
  }
}

const xmlEscape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const keyFile = (key: string) => createHash("sha256").update(key).digest("hex");
const md5 = (data: Uint8Array) => createHash("md5").update(data).digest();

/** The object store, usable directly by the job runner (which reads channels and writes models without HTTP). */
export class S3Store {
  constructor(readonly root: string) {
    mkdirSync(root, {recursive: true});
  }

  private bucketDir(bucket: string) {
    if (bucketNameProblem(bucket)) throw new S3Error(400, "InvalidBucketName", `The specified bucket is not valid: ${bucket}`);
    return join(this.root, bucket);
  }

  hasBucket(bucket: string): boolean {
    return !bucketNameProblem(bucket) && existsSync(join(this.root, bucket, "objects"));
  }

  createBucket(bucket: string): boolean {
    const dir = this.bucketDir(bucket);
    if (existsSync(join(dir, "objects"))) return false;
    mkdirSync(join(dir, "objects"), {recursive: true});
    mkdirSync(join(dir, "uploads"), {recursive: true});
    return true;
  }

  private requireBucket(bucket: string) {
    if (!this.hasBucket(bucket)) throw new S3Error(404, "NoSuchBucket", `The specified bucket does not exist: ${bucket}`);
    return this.bucketDir(bucket);
  }

  private objectPaths(bucket: string, key: string) {
    const dir = join(this.requireBucket(bucket), "objects");
    const name = keyFile(key);
    return {data: join(dir, `${name}.bin`), meta: join(dir, `${name}.json`)};
  }

  put(bucket: string, key: string, data: Uint8Array, options: {contentType?: string; metadata?: Record<string, string>; checksums?: StoredObject["checksums"]; etag?: string} = {}): StoredObject {
    if (key === "" || key.length > 1024) throw new S3Error(400, "KeyTooLongError", "object keys are 1 to 1024 characters");
    const paths = this.objectPaths(bucket, key);
    const checksums = options.checksums ?? {};
    const object: StoredObject = {
      key,
      size: data.length,
      etag: options.etag ?? `"${md5(data).toString("hex")}"`,
      contentType: options.contentType ?? "binary/octet-stream",
      lastModified: new Date().toUTCString(),
      metadata: options.metadata ?? {},
      checksums
    };
    const tmp = `${paths.data}.${randomUUID()}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, paths.data);
    writeFileSync(paths.meta, JSON.stringify(object));
    return object;
  }

  head(bucket: string, key: string): StoredObject | null {
    const paths = this.objectPaths(bucket, key);
    return existsSync(paths.meta) ? (JSON.parse(readFileSync(paths.meta, "utf8")) as StoredObject) : null;
  }

  get(bucket: string, key: string): {object: StoredObject; data: Buffer} {
    const object = this.head(bucket, key);
    if (!object) throw new S3Error(404, "NoSuchKey", `The specified key does not exist: ${key}`);
    return {object, data: readFileSync(this.objectPaths(bucket, key).data)};
  }

  delete(bucket: string, key: string) {
    const paths = this.objectPaths(bucket, key);
    rmSync(paths.data, {force: true});
    rmSync(paths.meta, {force: true});
  }

  list(bucket: string, prefix = ""): StoredObject[] {
    const dir = join(this.requireBucket(bucket), "objects");
    return readdirSync(dir)
      .filter((name) => name.endsWith(".json"))
      .map((name) => JSON.parse(readFileSync(join(dir, name), "utf8")) as StoredObject)
      .filter((object) => object.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  // ---- multipart ---------------------------------------------------------------------------------------------------

  private uploadDir(bucket: string, uploadId: string) {
    if (!/^[0-9a-f-]{36}$/.test(uploadId)) throw new S3Error(404, "NoSuchUpload", "The specified upload does not exist.");
    const dir = join(this.requireBucket(bucket), "uploads", uploadId);
    if (!existsSync(dir)) throw new S3Error(404, "NoSuchUpload", "The specified upload does not exist.");
    return dir;
  }

  createUpload(bucket: string, meta: UploadMeta): string {
    const id = randomUUID();
    const dir = join(this.requireBucket(bucket), "uploads", id);
    mkdirSync(dir, {recursive: true});
    writeFileSync(join(dir, "upload.json"), JSON.stringify(meta));
    return id;
  }

  putPart(bucket: string, uploadId: string, key: string, partNumber: number, data: Uint8Array, checksums: PartMeta["checksums"]): PartMeta {
    const dir = this.uploadDir(bucket, uploadId);
    const upload = JSON.parse(readFileSync(join(dir, "upload.json"), "utf8")) as UploadMeta;
    if (upload.key !== key) throw new S3Error(400, "InvalidRequest", "the part's key differs from the upload's");
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) throw new S3Error(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive");
    if (upload.algorithm && !checksums[upload.algorithm])
      checksums[upload.algorithm] = checksumBase64(upload.algorithm, data);
    const digest = md5(data);
    const part: PartMeta = {partNumber, size: data.length, etag: `"${digest.toString("hex")}"`, md5: digest.toString("hex"), checksums};
    writeFileSync(join(dir, `part-${partNumber}.bin`), data);
    writeFileSync(join(dir, `part-${partNumber}.json`), JSON.stringify(part));
    return part;
  }

  completeUpload(bucket: string, uploadId: string, key: string, requested: Array<{partNumber: number; etag: string; checksums: PartMeta["checksums"]}>): StoredObject {
    const dir = this.uploadDir(bucket, uploadId);
    const upload = JSON.parse(readFileSync(join(dir, "upload.json"), "utf8")) as UploadMeta;
    if (upload.key !== key) throw new S3Error(400, "InvalidRequest", "the key differs from the upload's");
    if (requested.length === 0) throw new S3Error(400, "MalformedXML", "You must specify at least one part");
    const chunks: Buffer[] = [];
    const md5s: Buffer[] = [];
    const digests: Buffer[] = [];
    let previous = 0;
    for (const [index, want] of requested.entries()) {
      if (want.partNumber <= previous) throw new S3Error(400, "InvalidPartOrder", "The list of parts was not in ascending order.");
      previous = want.partNumber;
      const metaPath = join(dir, `part-${want.partNumber}.json`);
      if (!existsSync(metaPath)) throw new S3Error(400, "InvalidPart", `part ${want.partNumber} was not uploaded`);
      const part = JSON.parse(readFileSync(metaPath, "utf8")) as PartMeta;
      if (want.etag && want.etag.replace(/"/g, "") !== part.etag.replace(/"/g, "")) throw new S3Error(400, "InvalidPart", `part ${want.partNumber}'s ETag does not match`);
      for (const [algorithm, value] of Object.entries(want.checksums) as [ChecksumAlgorithmName, string][])
        if (part.checksums[algorithm] !== value) throw new S3Error(400, "InvalidPart", `part ${want.partNumber}'s ${algorithm.toUpperCase()} checksum does not match the uploaded part`);
      if (index < requested.length - 1 && part.size < 5 * 1024 * 1024) throw new S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.");
      chunks.push(readFileSync(join(dir, `part-${want.partNumber}.bin`)));
      md5s.push(Buffer.from(part.md5, "hex"));
      if (upload.algorithm) digests.push(Buffer.from(part.checksums[upload.algorithm]!, "base64"));
    }
    const data = Buffer.concat(chunks);
    const checksums: StoredObject["checksums"] = {};
    if (upload.algorithm) {
      // Composite checksum: a checksum of the parts' checksums, with the part count (S3's multipart checksum).
      const composite = checksumBytes(upload.algorithm, Buffer.concat(digests)).toString("base64");
      checksums[upload.algorithm] = `${composite}-${requested.length}`;
    }
    const object = this.put(bucket, key, data, {contentType: upload.contentType, metadata: upload.metadata, checksums, etag: `"${md5(Buffer.concat(md5s)).toString("hex")}-${requested.length}"`});
    rmSync(dir, {recursive: true, force: true});
    return object;
  }

  abortUpload(bucket: string, uploadId: string) {
    rmSync(this.uploadDir(bucket, uploadId), {recursive: true, force: true});
  }
}

// ---- HTTP ------------------------------------------------------------------------------------------------------------

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** An aws-chunked body → its payload and its trailing headers (unsigned or signed chunks). */
export function decodeAwsChunked(body: Buffer): {payload: Buffer; trailers: Record<string, string>} {
  const chunks: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf("\r\n", offset);
    if (lineEnd === -1) throw new S3Error(400, "IncompleteBody", "malformed aws-chunked body");
    const size = Number.parseInt(body.subarray(offset, lineEnd).toString("latin1").split(";")[0]!, 16);
    if (!Number.isFinite(size)) throw new S3Error(400, "IncompleteBody", "malformed aws-chunked chunk size");
    offset = lineEnd + 2;
    if (size === 0) break;
    chunks.push(body.subarray(offset, offset + size));
    offset += size + 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of body.subarray(offset).toString("latin1").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {payload: Buffer.concat(chunks), trailers};
}

/** The payload of a PUT, with every checksum the client sent verified; returns the checksums to store. */
function verifiedPayload(request: IncomingMessage, body: Buffer): {payload: Buffer; checksums: StoredObject["checksums"]} {
  let payload = body;
  const sent: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (name.startsWith("x-amz-checksum-") && !["x-amz-checksum-mode", "x-amz-checksum-type", "x-amz-checksum-algorithm"].includes(name) && typeof value === "string") sent[name] = value;
  const encoding = header(request, "content-encoding") ?? "";
  if (encoding.split(",").map((s) => s.trim()).includes("aws-chunked")) {
    const decoded = decodeAwsChunked(body);
    payload = decoded.payload;
    Object.assign(sent, Object.fromEntries(Object.entries(decoded.trailers).filter(([name]) => name.startsWith("x-amz-checksum-"))));
    const declared = header(request, "x-amz-decoded-content-length");
    if (declared !== undefined && Number(declared) !== payload.length) throw new S3Error(400, "IncompleteBody", "You did not provide the number of bytes specified by the x-amz-decoded-content-length header");
  }
  const contentMd5 = header(request, "content-md5");
  if (contentMd5 && contentMd5 !== md5(payload).toString("base64")) throw new S3Error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
  const checksums: StoredObject["checksums"] = {};
  for (const [name, value] of Object.entries(sent)) {
    const algorithm = name.slice("x-amz-checksum-".length) as ChecksumAlgorithmName;
    if (!CHECKSUM_ALGORITHMS.includes(algorithm)) throw new S3Error(400, "InvalidRequest", `unsupported checksum ${name}`);
    if (checksumBase64(algorithm, payload) !== value) throw new S3Error(400, "BadDigest", `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
    checksums[algorithm] = value;
  }
  return {payload, checksums};
}

function metadataOf(request: IncomingMessage): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (name.startsWith("x-amz-meta-") && typeof value === "string") metadata[name.slice("x-amz-meta-".length)] = value;
  return metadata;
}

function send(response: ServerResponse, status: number, body: string | Buffer = "", headers: Record<string, string | number> = {}) {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  response.writeHead(status, {"x-amz-request-id": randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase(), "content-length": bytes.length, ...headers});
  response.end(bytes);
}

const xml = (root: string, inner: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</${root}>`;

function objectHeaders(object: StoredObject, withChecksums: boolean): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    etag: object.etag,
    "last-modified": object.lastModified,
    "content-type": object.contentType,
    "accept-ranges": "bytes"
  };
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  if (withChecksums)
    for (const [algorithm, value] of Object.entries(object.checksums)) {
      headers[`x-amz-checksum-${algorithm}`] = value!;
      headers["x-amz-checksum-type"] = value!.includes("-") ? "COMPOSITE" : "FULL_OBJECT";
    }
  return headers;
}

function tagText(body: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(body)?.[1];
}

/** Handles one S3 request; `body` is the raw request body. */
export function handleS3(store: S3Store, request: IncomingMessage, response: ServerResponse, body: Buffer) {
  try {
    const url = new URL(request.url ?? "/", "http://localhost");
    const segments = url.pathname.split("/").slice(1);
    const bucket = decodeURIComponent(segments[0] ?? "");
    const key = segments.slice(1).map(decodeURIComponent).join("/");
    const query = url.searchParams;
    const method = request.method ?? "GET";
    const withChecksums = (header(request, "x-amz-checksum-mode") ?? "").toUpperCase() === "ENABLED";

    if (bucket === "") {
      if (method !== "GET") throw new S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
      const buckets = existsSync(store.root) ? readdirSync(store.root).filter((name) => store.hasBucket(name)) : [];
      return send(response, 200, xml("ListAllMyBucketsResult", `<Buckets>${buckets.map((name) => `<Bucket><Name>${xmlEscape(name)}</Name></Bucket>`).join("")}</Buckets>`), {"content-type": "application/xml"});
    }
    if (key === "") {
      if (method === "PUT") {
        if (!store.createBucket(bucket)) throw new S3Error(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.");
        return send(response, 200, "", {location: `/${bucket}`});
      }
      if (method === "HEAD") return send(response, store.hasBucket(bucket) ? 200 : 404, "", {"x-amz-bucket-region": "us-east-1"});
      if (method === "GET") {
        const prefix = query.get("prefix") ?? "";
        const max = Math.min(1000, Number(query.get("max-keys") ?? 1000));
        const after = query.get("continuation-token") ? Buffer.from(query.get("continuation-token")!, "base64url").toString() : (query.get("start-after") ?? "");
        const all = store.list(bucket, prefix).filter((object) => object.key > after);
        const page = all.slice(0, max);
        const truncated = all.length > page.length;
        const contents = page
          .map((o) => `<Contents><Key>${xmlEscape(o.key)}</Key><LastModified>${new Date(o.lastModified).toISOString()}</LastModified><ETag>${xmlEscape(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`)
          .join("");
        const next = truncated ? `<NextContinuationToken>${Buffer.from(page[page.length - 1]!.key).toString("base64url")}</NextContinuationToken>` : "";
        return send(
          response,
          200,
          xml("ListBucketResult", `<Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${next}`),
          {"content-type": "application/xml"}
        );
      }
      throw new S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
    }

    if (method === "POST" && query.has("uploads")) {
      const algorithm = (header(request, "x-amz-checksum-algorithm") ?? "").toLowerCase() || null;
      if (algorithm && !CHECKSUM_ALGORITHMS.includes(algorithm as ChecksumAlgorithmName)) throw new S3Error(400, "InvalidRequest", `unsupported checksum algorithm ${algorithm}`);
      const uploadId = store.createUpload(bucket, {key, contentType: header(request, "content-type") ?? "binary/octet-stream", metadata: metadataOf(request), algorithm: algorithm as ChecksumAlgorithmName | null});
      return send(
        response,
        200,
        xml("InitiateMultipartUploadResult", `<Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${uploadId}</UploadId>`),
        {"content-type": "application/xml", ...(algorithm ? {"x-amz-checksum-algorithm": algorithm.toUpperCase()} : {})}
      );
    }
    if (method === "PUT" && query.has("uploadId")) {
      const {payload, checksums} = verifiedPayload(request, body);
      const part = store.putPart(bucket, query.get("uploadId")!, key, Number(query.get("partNumber")), payload, checksums);
      const echo = Object.fromEntries(Object.entries(part.checksums).map(([algorithm, value]) => [`x-amz-checksum-${algorithm}`, value!]));
      return send(response, 200, "", {etag: part.etag, ...echo});
    }
    if (method === "POST" && query.has("uploadId")) {
      const text = body.toString("utf8");
      const parts = [...text.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((match) => {
        const inner = match[1]!;
        const checksums: StoredObject["checksums"] = {};
        for (const algorithm of CHECKSUM_ALGORITHMS) {
          const value = tagText(inner, `Checksum${algorithm.toUpperCase()}`);
          if (value) checksums[algorithm] = value;
        }
        return {partNumber: Number(tagText(inner, "PartNumber")), etag: (tagText(inner, "ETag") ?? "").replace(/&quot;/g, '"'), checksums};
      });
      const object = store.completeUpload(bucket, query.get("uploadId")!, key, parts);
      const checksumXml = Object.entries(object.checksums)
        .filter(([, value]) => value!.includes("-"))
        .map(([algorithm, value]) => `<Checksum${algorithm.toUpperCase()}>${value}</Checksum${algorithm.toUpperCase()}>`)
        .join("");
      return send(
        response,
        200,
        xml("CompleteMultipartUploadResult", `<Location>/${xmlEscape(bucket)}/${xmlEscape(key)}</Location><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><ETag>${xmlEscape(object.etag)}</ETag>${checksumXml}`),
        {"content-type": "application/xml"}
      );
    }
    if (method === "DELETE" && query.has("uploadId")) {
      store.abortUpload(bucket, query.get("uploadId")!);
      return send(response, 204);
    }
    if (method === "PUT") {
      if (header(request, "x-amz-copy-source")) throw new S3Error(501, "NotImplemented", "CopyObject is not emulated");
      const {payload, checksums} = verifiedPayload(request, body);
      const object = store.put(bucket, key, payload, {contentType: header(request, "content-type"), metadata: metadataOf(request), checksums});
      const echo = Object.fromEntries(Object.entries(checksums).map(([algorithm, value]) => [`x-amz-checksum-${algorithm}`, value!]));
      return send(response, 200, "", {etag: object.etag, ...echo});
    }
    if (method === "HEAD") {
      const object = store.head(bucket, key);
      if (!object) return send(response, 404);
      return send(response, 200, "", {...objectHeaders(object, withChecksums), "content-length": object.size});
    }
    if (method === "GET") {
      const {object, data} = store.get(bucket, key);
      return send(response, 200, data, objectHeaders(object, withChecksums));
    }
    if (method === "DELETE") {
      store.delete(bucket, key);
      return send(response, 204);
    }
    throw new S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
  } catch (error) {
    const s3 = error instanceof S3Error ? error : new S3Error(500, "InternalError", (error as Error).message);
    if (request.method === "HEAD") return send(response, s3.status);
    send(response, s3.status, xml("Error", `<Code>${s3.code}</Code><Message>${xmlEscape(s3.message)}</Message><RequestId>emulator</RequestId>`).replace(' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"', ""), {
      "content-type": "application/xml"
    });
  }
}
