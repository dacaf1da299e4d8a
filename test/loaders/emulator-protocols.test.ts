/**
 * The emulator speaks the wire protocols of the installed AWS SDK v3 clients: S3 REST (path style, multipart, checksums),
 * SageMaker and CloudWatch Logs JSON 1.1, CloudWatch JSON 1.0 (query-compatible). Each case drives the real SDK client,
 * and the studio's error translation is checked on the errors the emulator answers as AWS would.
 */
import assert from "node:assert/strict";
import {createHash, randomBytes} from "node:crypto";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, it} from "node:test";
import {GetMetricDataCommand, PutMetricDataCommand} from "@aws-sdk/client-cloudwatch";
import {CreateLogGroupCommand, CreateLogStreamCommand, GetLogEventsCommand, PutLogEventsCommand} from "@aws-sdk/client-cloudwatch-logs";
import {GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand} from "@aws-sdk/client-s3";
import {CreateTrainingJobCommand, DescribeTrainingJobCommand, ListTagsCommand, ListTrainingJobsCommand} from "@aws-sdk/client-sagemaker";
import {awsDetails, translateAwsError, withBackoff} from "../../loaders/aws/awsErrors.js";
import {UserError} from "../../src/core/contract/userError.js";
import {createAwsClients, type AwsClients} from "../../loaders/aws/clients.js";
import {ensureBucket, readObject, uploadIfChanged} from "../../loaders/aws/s3Objects.js";
import {describeJob, submitJob} from "../../loaders/aws/trainingJobs.js";
import {checksumBase64} from "../../loaders/emulator/checksums.js";
import {startEmulator, type Emulator} from "../../loaders/emulator/server.js";
import {normalizePlan} from "../../src/core/plan/normalizePlan.js";
import {buildTrainingJob} from "../../src/core/sagemaker/buildTrainingJob.js";

const temp = mkdtempSync(join(tmpdir(), "emulator-protocols-"));
const savedEnv = {...process.env};
let emulator: Emulator;
let clients: AwsClients;
const BUCKET = "protocol-tests";

before(async () => {
  emulator = await startEmulator({dataDir: temp, speed: 50, record: true, instanceQuota: 1, replaySeconds: 3});
  Object.assign(process.env, emulator.endpoints, {AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "AKIDPROTOCOL", AWS_SECRET_ACCESS_KEY: "protocol-secret"});
  delete process.env.AWS_SESSION_TOKEN;
  clients = await createAwsClients({maxAttempts: 1});
  await ensureBucket(clients, BUCKET, {create: true});
});

after(async () => {
  clients?.destroy();
  await emulator?.close();
  process.env = savedEnv;
  rmSync(temp, {recursive: true, force: true});
});

/** A valid request for a step-1 job in this emulator (code and data need not exist to test the control plane). */
function request(name: string, instanceType = "ml.g5.2xlarge") {
  const plan = normalizePlan({step1: {model_name_or_path: "facebook/opt-125m", data_path: ["local/jsonfile"]}, infrastructure: {instance_type: instanceType}});
  return buildTrainingJob(plan, 1, {region: "eu-west-1", roleArn: "arn:aws:iam::123456789012:role/R", bucket: BUCKET, jobName: name, sourceBundleUri: `s3://${BUCKET}/code/${name}/sourcedir.tar.gz`, trainDataUri: `s3://${BUCKET}/none/`}).request;
}

describe("checksums", () => {
  it("match the published check values of CRC-32, CRC-32C and CRC-64/NVME", () => {
    const check = Buffer.from("123456789");
    const hex = (b64: string) => Buffer.from(b64, "base64").toString("hex");
    assert.equal(hex(checksumBase64("crc32", check)), "cbf43926");
    assert.equal(hex(checksumBase64("crc32c", check)), "e3069283");
    assert.equal(hex(checksumBase64("crc64nvme", check)), "ae8b14860a799888");
  });
});

describe("S3 through @aws-sdk/client-s3 and lib-storage", () => {
  it("stores an object with the SDK's default checksum, returns it with metadata, and lists it", async () => {
    await clients.s3.send(new PutObjectCommand({Bucket: BUCKET, Key: "a/b c.txt", Body: "hello", Metadata: {note: "x"}}));
    const put = emulator.requests.filter((r) => r.method === "PUT" && r.url.includes("b%20c.txt")).pop()!;
    assert.ok(Object.keys(put.headers).some((h) => h.startsWith("x-amz-checksum-")), "the SDK sent a flexible checksum");
    const head = await clients.s3.send(new HeadObjectCommand({Bucket: BUCKET, Key: "a/b c.txt"}));
    assert.equal(head.Metadata?.note, "x");
    assert.equal(head.ContentLength, 5);
    const got = await clients.s3.send(new GetObjectCommand({Bucket: BUCKET, Key: "a/b c.txt", ChecksumMode: "ENABLED"}));
    assert.equal(await got.Body!.transformToString(), "hello");
    const listed = await clients.s3.send(new ListObjectsV2Command({Bucket: BUCKET, Prefix: "a/"}));
    assert.deepEqual(listed.Contents?.map((o) => o.Key), ["a/b c.txt"]);
  });

  it("refuses a body whose checksum does not match (BadDigest)", async () => {
    await assert.rejects(
      clients.s3.send(new PutObjectCommand({Bucket: BUCKET, Key: "bad", Body: "hello", ChecksumSHA256: createHash("sha256").update("other").digest("base64")})),
      (error: Error) => error.name === "BadDigest" || /SHA256|checksum/i.test(error.message)
    );
  });

  it("uploads a 13 MiB object in parts with SHA-256 part checksums, and skips it when the same bytes are there", async () => {
    const bytes = randomBytes(13 * 1024 * 1024);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const source = {bucket: BUCKET, key: "big/blob.bin", bytes, sha256, size: bytes.length, contentType: "application/octet-stream"};
    const first = emulator.requests.length;
    const result = await uploadIfChanged(clients, source);
    assert.equal(result.uploaded, true);
    const calls = emulator.requests.slice(first);
    assert.equal(calls.filter((r) => r.method === "PUT" && r.url.includes("partNumber=")).length, 2, "two 8 MiB parts");
    assert.ok(calls.every((r) => !(r.method === "PUT" && r.url.includes("partNumber=")) || r.headers["x-amz-checksum-sha256"]), "each part carries its SHA-256");
    const head = await clients.s3.send(new HeadObjectCommand({Bucket: BUCKET, Key: "big/blob.bin", ChecksumMode: "ENABLED"}));
    assert.match(head.ChecksumSHA256 ?? "", /-2$/, "a composite checksum of the two parts");
    assert.match(head.ETag ?? "", /-2"$/);
    assert.ok((await readObject(clients, `s3://${BUCKET}/big/blob.bin`)).equals(bytes));
    const again = await uploadIfChanged(clients, source);
    assert.equal(again.uploaded, false);
  });

  it("says which bucket is missing", async () => {
    await assert.rejects(ensureBucket(clients, "no-such-bucket-here"), (error: UserError) => awsDetails(error)?.kind === "no-such-bucket" && /Create it/.test(error.fix));
  });
});

describe("CloudWatch Logs (JSON 1.1) and CloudWatch metrics (JSON 1.0)", () => {
  it("serves log events with forward tokens that stop moving at the end", async () => {
    await clients.logs.send(new CreateLogGroupCommand({logGroupName: "/test/group"}));
    await clients.logs.send(new CreateLogStreamCommand({logGroupName: "/test/group", logStreamName: "s"}));
    await clients.logs.send(new PutLogEventsCommand({logGroupName: "/test/group", logStreamName: "s", logEvents: [1, 2, 3].map((i) => ({timestamp: Date.now(), message: `line ${i}`}))}));
    const first = await clients.logs.send(new GetLogEventsCommand({logGroupName: "/test/group", logStreamName: "s", startFromHead: true, limit: 2}));
    assert.deepEqual(first.events?.map((e) => e.message), ["line 1", "line 2"]);
    const second = await clients.logs.send(new GetLogEventsCommand({logGroupName: "/test/group", logStreamName: "s", nextToken: first.nextForwardToken}));
    assert.deepEqual(second.events?.map((e) => e.message), ["line 3"]);
    const third = await clients.logs.send(new GetLogEventsCommand({logGroupName: "/test/group", logStreamName: "s", nextToken: second.nextForwardToken}));
    assert.deepEqual(third.events, []);
    assert.equal(third.nextForwardToken, second.nextForwardToken);
    await assert.rejects(clients.logs.send(new GetLogEventsCommand({logGroupName: "/nope", logStreamName: "s"})), (error: Error) => error.name === "ResourceNotFoundException");
  });

  it("averages metric points per period in GetMetricData, over the protocol the installed client speaks", async () => {
    const now = Date.now();
    await clients.cloudwatch.send(new PutMetricDataCommand({Namespace: "T", MetricData: [1, 2, 3].map((v) => ({MetricName: "m", Value: v, Timestamp: new Date(now), Dimensions: [{Name: "D", Value: "x"}]}))}));
    const put = emulator.requests.filter((r) => r.target.startsWith("GraniteServiceVersion20100801.")).pop()!;
    assert.equal(put.headers["content-type"], "application/x-amz-json-1.0");
    const data = await clients.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 60_000),
        EndTime: new Date(now + 60_000),
        MetricDataQueries: [{Id: "q", MetricStat: {Metric: {Namespace: "T", MetricName: "m", Dimensions: [{Name: "D", Value: "x"}]}, Period: 60, Stat: "Average"}}]
      })
    );
    assert.deepEqual(data.MetricDataResults?.[0]?.Values, [2]);
    assert.ok(data.MetricDataResults?.[0]?.Timestamps?.[0] instanceof Date);
  });
});

describe("SageMaker (JSON 1.1): validation and errors as the service answers them", () => {
  it("rejects what SageMaker rejects, with a ValidationException naming the field", async () => {
    const bad = request("too-many-metrics");
    bad.AlgorithmSpecification.MetricDefinitions = Array.from({length: 41}, (_, i) => ({Name: `m${i}`, Regex: `m${i}=([0-9.]+)`}));
    await assert.rejects(clients.sagemaker.send(new CreateTrainingJobCommand(bad as never)), (error: Error) => error.name === "ValidationException" && /has 41 metric definitions; SageMaker accepts at most 40/.test(error.message));
    await assert.rejects(clients.sagemaker.send(new CreateTrainingJobCommand({...request("x"), TrainingJobName: "bad_name!"} as never)), (error: Error) => error.name === "ValidationException" && /TrainingJobName/.test(error.message));
    await assert.rejects(clients.sagemaker.send(new DescribeTrainingJobCommand({TrainingJobName: "never-created"})), (error: Error) => error.name === "ValidationException" && /Requested resource not found/.test(error.message));
    await assert.rejects(describeJob(clients, "never-created"), (error: UserError) => error instanceof UserError && error.code === "aws:not-found");
  });

  it("refuses a duplicate name with ResourceInUse, and a quota overrun with ResourceLimitExceeded, translated into fixes", async () => {
    const first = request("quota-one", "ml.p4d.24xlarge");
    const {TrainingJobArn: arn} = await clients.sagemaker.send(new CreateTrainingJobCommand(first as never));
    const tags = await clients.sagemaker.send(new ListTagsCommand({ResourceArn: arn}));
    assert.deepEqual(tags.Tags?.at(-1), {Key: "dschat-studio-emulator", Value: "SIMULATED: run by the local emulator, no GPU, no model"}, "the job says it is simulated in its tags too");
    assert.ok(tags.Tags?.some((tag) => tag.Key === "app" && tag.Value === "dschat-studio"));
    await assert.rejects(clients.sagemaker.send(new CreateTrainingJobCommand(first as never)), (error: Error) => error.name === "ResourceInUse");
    // The same name with another request: refused as a clash, not accepted as a retry.
    await assert.rejects(submitJob(clients, {...first, HyperParameters: {...first.HyperParameters, seed: "7"}}), (error: UserError) => error.code === "aws:name-in-use" && /--rerun/.test(error.fix));
    // The identical request again: the existing job is the answer (a retried submit).
    assert.equal((await submitJob(clients, first)).created, false);
    // The quota: a second emulator whose jobs stay in Starting long enough (this one's fail within milliseconds).
    const slow = await startEmulator({dataDir: join(temp, "slow"), speed: 0.01, instanceQuota: 1});
    Object.assign(process.env, slow.endpoints);
    const slowClients = await createAwsClients({maxAttempts: 1}); // the SDK reads the endpoint variables at its first call
    try {
      await slowClients.sagemaker.send(new CreateTrainingJobCommand(first as never));
      await assert.rejects(submitJob(slowClients, request("quota-two", "ml.p4d.24xlarge")), (error: UserError) => {
        assert.equal(error.code, "aws:quota");
        assert.match(error.fix, /Request an increase of the SageMaker quota 'ml.p4d.24xlarge for training job usage'/);
        return true;
      });
      const listed = await slowClients.sagemaker.send(new ListTrainingJobsCommand({NameContains: "quota-"}));
      assert.deepEqual(listed.TrainingJobSummaries?.map((j) => j.TrainingJobName), ["quota-one"]);
    } finally {
      Object.assign(process.env, emulator.endpoints);
      slowClients.destroy();
      await slow.close();
    }
  });

  it("retries throttling with backoff, and names the permission an AccessDenied lacks", async () => {
    emulator.injectFault({target: "SageMaker.DescribeTrainingJob", type: "ThrottlingException", message: "Rate exceeded", times: 2});
    const job = await withBackoff({action: "sagemaker:DescribeTrainingJob"}, () => clients.sagemaker.send(new DescribeTrainingJobCommand({TrainingJobName: "quota-one"})), {baseMs: 20});
    assert.equal(job.TrainingJobName, "quota-one");
    emulator.injectFault({target: "SageMaker.CreateTrainingJob", type: "AccessDeniedException", message: "User: arn:aws:sts::123456789012:assumed-role/dev/me is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/R"});
    await assert.rejects(submitJob(clients, request("denied")), (error: UserError) => {
      assert.equal(error.code, "aws:access-denied");
      assert.match(error.what, /may not perform iam:PassRole/);
      assert.match(error.fix, /Allow iam:PassRole on the execution role/);
      return true;
    });
    emulator.injectFault({target: "SageMaker.ListTrainingJobs", type: "ExpiredTokenException", message: "The security token included in the request is expired"});
    await assert.rejects(
      withBackoff({action: "sagemaker:ListTrainingJobs"}, () => clients.sagemaker.send(new ListTrainingJobsCommand({}))),
      (error: UserError) => error.code === "aws:expired-credentials" && /aws sso login/.test(error.fix)
    );
  });

  it("translates the errors of the other services and of the network into plain words", () => {
    const context = {action: "s3:PutObject", resource: "s3://b/k"};
    assert.equal(translateAwsError(Object.assign(new Error("Access Denied"), {name: "AccessDenied", $metadata: {httpStatusCode: 403}}), context).fix, "Add s3:PutObject to your IAM policy for this bucket (and s3:ListBucket on it), or use a profile that has it.");
    assert.equal(translateAwsError(Object.assign(new Error("Please reduce your request rate."), {name: "SlowDown"}), context).details.retryable, true);
    assert.equal(translateAwsError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {code: "ECONNREFUSED"}), context).code, "aws:unreachable");
    assert.equal(translateAwsError(Object.assign(new Error("Could not load credentials from any providers"), {name: "CredentialsProviderError"}), context).code, "aws:no-credentials");
  });
});
