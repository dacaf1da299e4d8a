/**
 * sagemaker.md §3's request template (DS-Chat step 1 on the HF PyTorch DLC), verbatim, and the field-by-field comparison
 * the request tests and the dry-run test share: every scalar field of the template must have the template's value in
 * our request, except the deviations named (each with its reason).
 */
import assert from "node:assert/strict";

export const template = {
  TrainingJobName: "dschat-step1-opt13b-20250101-000000",
  RoleArn: "arn:aws:iam::123456789012:role/DSChatSageMakerExecutionRole",
  AlgorithmSpecification: {
    TrainingImage: "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-training:2.8.0-transformers4.56.2-gpu-py312-cu129-ubuntu22.04",
    TrainingInputMode: "File",
    EnableSageMakerMetricsTimeSeries: true,
    MetricDefinitions: [
      {Name: "train:loss", Regex: "Rank: 0, loss = [a-z(]*([-+0-9.eE]+)"},
      {Name: "eval:ppl", Regex: "ppl: [a-z(]*([-+0-9.eE]+)"},
      {Name: "eval:loss", Regex: "ppl: [^,]*, loss: [a-z(]*([-+0-9.eE]+)"}
    ]
  },
  HyperParameters: {
    sagemaker_program: '"sm_entry.py"',
    sagemaker_submit_directory: '"s3://BUCKET/code/JOB/sourcedir.tar.gz"',
    sagemaker_container_log_level: "20",
    sagemaker_job_name: '"JOB"',
    sagemaker_region: '"us-east-1"',
    sagemaker_torch_distributed_enabled: "true",
    sagemaker_instance_type: '"ml.g5.12xlarge"',
    step: "1",
    model_name_or_path: '"/opt/ml/input/data/model"',
    data_path: '"local/jsonfile"',
    per_device_train_batch_size: "4",
    per_device_eval_batch_size: "4",
    max_seq_len: "512",
    learning_rate: '"9.65e-6"',
    num_train_epochs: "1",
    gradient_accumulation_steps: "1",
    zero_stage: "3",
    dtype: '"bf16"',
    flags: '"print_loss,gradient_checkpointing"'
  } as Record<string, string>,
  InputDataConfig: [
    {
      ChannelName: "train",
      DataSource: {S3DataSource: {S3DataType: "S3Prefix", S3Uri: "s3://BUCKET/datasets/sft/", S3DataDistributionType: "FullyReplicated"}},
      ContentType: "application/jsonlines",
      CompressionType: "None"
    },
    {
      ChannelName: "model",
      DataSource: {S3DataSource: {S3DataType: "S3Prefix", S3Uri: "s3://BUCKET/models/opt-1.3b/", S3DataDistributionType: "FullyReplicated"}},
      InputMode: "FastFile"
    }
  ],
  OutputDataConfig: {S3OutputPath: "s3://BUCKET/output/", CompressionType: "NONE"},
  ResourceConfig: {InstanceType: "ml.g5.12xlarge", InstanceCount: 1, VolumeSizeInGB: 200},
  StoppingCondition: {MaxRuntimeInSeconds: 86400},
  CheckpointConfig: {S3Uri: "s3://BUCKET/checkpoints/JOB/", LocalPath: "/opt/ml/checkpoints"},
  EnableManagedSpotTraining: false,
  EnableNetworkIsolation: false,
  EnableInterContainerTrafficEncryption: false,
  Environment: {PYTHONUNBUFFERED: "1", HF_HOME: "/tmp/hf", NCCL_DEBUG: "WARN", TOKENIZERS_PARALLELISM: "false"},
  RetryStrategy: {MaximumRetryAttempts: 1},
  Tags: [
    {Key: "app", Value: "dschat-runner"},
    {Key: "dschat-step", Value: "1"}
  ]
};

/** Why our request differs from the template where it does. */
export const templateDeviations: Record<string, {ours: unknown; why: string}> = {
  TrainingJobName: {ours: "JOB", why: "the template's name is an example; ours is dschat-step1-<model>-<request digest>"},
  "OutputDataConfig.CompressionType": {ours: "GZIP", why: "one model.tar.gz per step, which the next step's channel unpacks; outputCompression: NONE is an option for multi-GB weights"},
  "CheckpointConfig.S3Uri": {ours: undefined, why: "DS-Chat writes no checkpoint it could resume from, so nothing would be synced; an interrupted spot job restarts (the builder says so)"},
  "CheckpointConfig.LocalPath": {ours: undefined, why: "as above"},
  "HyperParameters.flags": {ours: '"gradient_checkpointing,print_loss"', why: "same flags in the arguments' parser order (compared as a set below)"}
};

function leaves(value: unknown, path = ""): Array<[string, unknown]> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return Object.entries(value).flatMap(([key, item]) => leaves(item, path ? `${path}.${key}` : key));
  return [[path, value]];
}

/** Replaces our job name by JOB and our bucket by BUCKET, as the template writes them. */
export function asTemplatePlaceholders(request: unknown, jobName: string, bucket: string): any {
  return JSON.parse(JSON.stringify(request).replaceAll(jobName, "JOB").replaceAll(`s3://${bucket}/`, "s3://BUCKET/"));
}

/** Asserts the template's scalar fields (lists are compared by the callers) against ours, with the named deviations. */
export function assertMatchesTemplate(ours: any) {
  for (const [path, expected] of leaves(template)) {
    if (Array.isArray(expected)) continue;
    const actual = path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], ours);
    if (path in templateDeviations) assert.deepEqual(actual, templateDeviations[path]!.ours, `${path}: ${templateDeviations[path]!.why}`);
    else assert.deepEqual(actual, expected, path);
  }
  assert.deepEqual(new Set(JSON.parse(ours.HyperParameters.flags).split(",")), new Set(JSON.parse(template.HyperParameters.flags).split(",")));
  for (const definition of template.AlgorithmSpecification.MetricDefinitions)
    assert.ok(ours.AlgorithmSpecification.MetricDefinitions.some((d: unknown) => JSON.stringify(d) === JSON.stringify(definition)), `metric definition ${definition.Name} kept verbatim`);
}
