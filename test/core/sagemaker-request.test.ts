import assert from "node:assert/strict";
import {describe, it} from "node:test";
import {TrainingInstanceType} from "@aws-sdk/client-sagemaker";
import {normalizePlan} from "../../src/core/plan/normalizePlan.js";
import {metricDefinitions} from "../../src/core/runs/logLines.js";
import {buildTrainingJob, encodeHyperParameter, modelArtifactUri, trainingJobName, type TrainingJobOptions} from "../../src/core/sagemaker/buildTrainingJob.js";
import {parserArgSpecs} from "../../src/core/sagemaker/dschatScripts.js";
import {trainingInstanceTypes} from "../../src/core/sagemaker/instanceTypes.js";
import {DEFAULT_TRAINING_IMAGE_TAG, trainingImageUri} from "../../src/core/sagemaker/trainingImage.js";
import {looksLikeSecretName, requestProblems, validateTrainingJobRequest} from "../../src/core/sagemaker/validateTrainingJob.js";
import {asTemplatePlaceholders, assertMatchesTemplate, template} from "../helpers/sagemakerTemplate.js";

/** The plan that asks for what the template describes. */
const templatePlan = () =>
  normalizePlan({
    steps: [1],
    step1: {
      model_name_or_path: "facebook/opt-1.3b",
      data_path: ["local/jsonfile"],
      per_device_train_batch_size: 4,
      per_device_eval_batch_size: 4,
      learning_rate: 9.65e-6,
      zero_stage: 3,
      dtype: "bf16",
      gradient_checkpointing: true,
      print_loss: true
    },
    infrastructure: {instance_type: "ml.g5.12xlarge", instance_count: 1, max_runtime_hours: 24}
  });

const JOB = "dschat-step1-opt-1-3b-0123456789";
const baseOptions = (overrides: Partial<TrainingJobOptions> = {}): TrainingJobOptions => ({
  region: "us-east-1",
  roleArn: "arn:aws:iam::123456789012:role/DSChatSageMakerExecutionRole",
  bucket: "bucket",
  jobName: JOB,
  sourceBundleUri: `s3://bucket/code/${JOB}/sourcedir.tar.gz`,
  trainDataUri: "s3://bucket/datasets/sft/",
  ...overrides
});

describe("buildTrainingJob against sagemaker.md §3's request template, field by field", () => {
  const built = buildTrainingJob(templatePlan(), 1, baseOptions({models: {model: "s3://bucket/models/opt-1.3b/"}}));
  const ours = asTemplatePlaceholders(built.request, JOB, "bucket");

  it("has the template's value at every scalar field, except the deviations named in test/helpers/sagemakerTemplate.ts", () => {
    assertMatchesTemplate(ours);
  });

  it("keeps the template's three metric definitions verbatim, among the step-1 table's", () => {
    for (const definition of template.AlgorithmSpecification.MetricDefinitions) assert.ok(ours.AlgorithmSpecification.MetricDefinitions.some((d: unknown) => JSON.stringify(d) === JSON.stringify(definition)), definition.Name);
    assert.deepEqual(ours.AlgorithmSpecification.MetricDefinitions, metricDefinitions("step1"));
  });

  it("has the template's two channels unchanged", () => {
    assert.deepEqual(ours.InputDataConfig, template.InputDataConfig);
  });

  it("adds only DS-Chat's own defaults as further hyperparameters, JSON-encoded", () => {
    const plan = templatePlan();
    const extra = Object.keys(ours.HyperParameters).filter((key) => !(key in template.HyperParameters));
    assert.ok(extra.length > 5);
    for (const key of extra) {
      const spec = parserArgSpecs("step1").find((s) => s.name === key)!;
      assert.ok(spec, `${key} is a step-1 argument`);
      assert.equal(ours.HyperParameters[key], encodeHyperParameter(spec, (plan.step1 as unknown as Record<string, string | number | string[]>)[key]!), key);
      assert.deepEqual((plan.step1 as Record<string, unknown>)[key], spec.default, `${key} keeps DS-Chat's default`);
    }
    assert.equal("output_dir" in ours.HyperParameters, false, "the launcher owns --output_dir");
  });

  it("keeps the template's tag dschat-step and names the app dschat-studio", () => {
    const tags = Object.fromEntries(ours.Tags.map((t: {Key: string; Value: string}) => [t.Key, t.Value]));
    assert.equal(tags["dschat-step"], "1");
    assert.equal(tags.app, "dschat-studio");
    assert.equal(tags["dschat-model"], "facebook/opt-1.3b");
  });

  it("is accepted by its own validator and names the model artefact where SageMaker puts it", () => {
    assert.deepEqual(validateTrainingJobRequest(built.request), []);
    assert.equal(modelArtifactUri(built.request), `s3://bucket/output/${JOB}/output/model.tar.gz`);
    const none = buildTrainingJob(templatePlan(), 1, baseOptions({outputCompression: "NONE"}));
    assert.equal(modelArtifactUri(none.request), `s3://bucket/output/${JOB}/output/model/`);
  });
});

describe("buildTrainingJob for the other steps and options", () => {
  it("wires step 3's actor and critic channels and refuses a chained step 3 without them", () => {
    const plan = normalizePlan({steps: "all", step1: {model_name_or_path: "facebook/opt-1.3b", data_path: ["local/jsonfile"]}, step2: {model_name_or_path: "facebook/opt-350m", data_path: ["local/jsonfile"]}, step3: {data_path: ["local/jsonfile"], seed: 1234}});
    assert.throws(() => buildTrainingJob(plan, 3, baseOptions()), (error: Error) => {
      assert.deepEqual(requestProblems(error).map((p) => p.field), ["models.actor", "models.critic"]);
      assert.match(error.message, /step 3's actor is step 1's output in this plan: pass step 1's model artefact/);
      return true;
    });
    const built = buildTrainingJob(plan, 3, baseOptions({models: {actor: "s3://bucket/output/a/output/model.tar.gz", critic: "s3://bucket/output/c/output/model.tar.gz"}}));
    assert.deepEqual(
      built.request.InputDataConfig!.map((c) => [c.ChannelName, c.DataSource.S3DataSource.S3Uri]),
      [["train", "s3://bucket/datasets/sft/"], ["actor", "s3://bucket/output/a/output/model.tar.gz"], ["critic", "s3://bucket/output/c/output/model.tar.gz"]]
    );
    const hps = built.request.HyperParameters!;
    assert.equal(hps.actor_model_name_or_path, '"/opt/ml/input/data/actor"');
    assert.equal(hps.critic_model_name_or_path, '"/opt/ml/input/data/critic"');
    assert.equal(hps.step, "3");
    assert.equal(hps.seed, "1234");
    assert.equal(hps.actor_learning_rate, '"9.65e-6"');
    assert.ok(Object.keys(hps).length <= 100);
    assert.deepEqual(built.request.AlgorithmSpecification.MetricDefinitions, metricDefinitions("step3"));
  });

  it("says that data_path must use the dataset it was given, and that a dataset is needed for local/jsonfile", () => {
    const hub = normalizePlan({step1: {model_name_or_path: "facebook/opt-1.3b"}});
    assert.throws(() => buildTrainingJob(hub, 1, baseOptions()), /plan.step1.data_path: is \["Dahoas\/rm-static"\]: the job would train on downloaded data, not on the dataset you gave/);
    const local = normalizePlan({step1: {model_name_or_path: "facebook/opt-1.3b", data_path: ["local/jsonfile"]}});
    assert.throws(() => buildTrainingJob(local, 1, baseOptions({trainDataUri: null})), /uses local\/jsonfile but no converted dataset was given/);
    const notes = buildTrainingJob(hub, 1, baseOptions({trainDataUri: null})).notes;
    assert.match(notes.join("\n"), /Dahoas\/rm-static is downloaded from the Hugging Face Hub inside the job: the job needs internet egress/);
  });

  it("sets spot with a maximum wait and says that an interrupted DS-Chat job restarts", () => {
    const plan = templatePlan();
    plan.infrastructure.spot = true;
    const built = buildTrainingJob(plan, 1, baseOptions());
    assert.deepEqual(built.request.StoppingCondition, {MaxRuntimeInSeconds: 86400, MaxWaitTimeInSeconds: 172800});
    assert.equal(built.request.EnableManagedSpotTraining, true);
    assert.match(built.notes.join("\n"), /DS-Chat saves no checkpoint it can resume from, so when SageMaker interrupts a spot job, step 1 restarts from the beginning/);
  });

  it("passes unknown main.py arguments through extraArgs, but not reserved ones", () => {
    const built = buildTrainingJob(templatePlan(), 1, baseOptions({extraArgs: {lerning_rate: 1e-5, my_switch: true, my_list: ["a", "b"]}}));
    assert.equal(built.request.HyperParameters!.lerning_rate, '"1e-5"');
    assert.equal(built.request.HyperParameters!.my_list, '["a","b"]');
    assert.match(built.request.HyperParameters!.flags!, /my_switch/);
    assert.throws(() => buildTrainingJob(templatePlan(), 1, baseOptions({extraArgs: {local_rank: 0, zero_stage: 2}})), (error: Error) => {
      assert.deepEqual(requestProblems(error).map((p) => p.message), ["local_rank is set by the launcher or by SageMaker and cannot be passed", "zero_stage is an argument of the plan: set plan.step1.zero_stage instead"]);
      return true;
    });
  });

  it("encodes values the way the SageMaker toolkit decodes them", () => {
    assert.equal(encodeHyperParameter({name: "x", kind: "float", default: 0}, 1e-5), '"1e-5"');
    assert.equal(encodeHyperParameter({name: "x", kind: "float", default: 0}, 0.1), '"0.1"');
    assert.equal(encodeHyperParameter({name: "x", kind: "int", default: 0}, 3), "3");
    assert.equal(encodeHyperParameter(undefined, ["local/jsonfile"]), '"local/jsonfile"');
    assert.equal(encodeHyperParameter(undefined, ["a", "b"]), '["a","b"]');
    assert.equal(encodeHyperParameter(undefined, "<|endoftext|>"), '"<|endoftext|>"');
  });

  it("names jobs within SageMaker's pattern and 63 characters", () => {
    const name = trainingJobName("step2-reward", "some-org/An_Extremely_Long_Model-Name.v2-with-more-and-more-words", "a1b2c3d4e5");
    assert.ok(name.length <= 63, name);
    assert.match(name, /^dschat-step2-an-extremely-long-model-a1b2c3d4e5$/);
    assert.deepEqual(validateTrainingJobRequest({...buildTrainingJob(templatePlan(), 1, baseOptions()).request, TrainingJobName: name}), []);
  });

  it("uses the regional image registry", () => {
    assert.equal(trainingImageUri("eu-central-1"), `763104351884.dkr.ecr.eu-central-1.amazonaws.com/huggingface-pytorch-training:${DEFAULT_TRAINING_IMAGE_TAG}`);
    assert.equal(trainingImageUri("af-south-1", "x"), "626614931356.dkr.ecr.af-south-1.amazonaws.com/huggingface-pytorch-training:x");
    assert.match(trainingImageUri("cn-north-1"), /^727897471807\.dkr\.ecr\.cn-north-1\.amazonaws\.com\.cn\//);
    assert.throws(() => trainingImageUri("mars-1"), /AWS_REGION: no Deep Learning Container registry is known for region "mars-1"\. Pass the image URI yourself/);
  });

  it("knows exactly the instance types of the installed SDK", () => {
    assert.deepEqual([...trainingInstanceTypes].sort(), Object.values(TrainingInstanceType).sort());
  });
});

describe("validateTrainingJobRequest: SageMaker's limits in plain words", () => {
  const good = () => structuredClone(buildTrainingJob(templatePlan(), 1, baseOptions()).request) as unknown as Record<string, any>;
  const problemsOf = (mutate: (request: Record<string, any>) => void, secretValues?: string[]) => {
    const request = good();
    mutate(request);
    return validateTrainingJobRequest(request, {secretValues});
  };
  const expectProblem = (mutate: (request: Record<string, any>) => void, field: string, message: RegExp, secretValues?: string[]) => {
    const problems = problemsOf(mutate, secretValues);
    assert.ok(
      problems.some((p) => p.field === field && message.test(p.message)),
      `expected ${field} ~ ${message}, got ${JSON.stringify(problems)}`
    );
  };

  it("refuses 41 metric definitions, a regex that does not compile or has no group, and duplicate names", () => {
    expectProblem((r) => (r.AlgorithmSpecification.MetricDefinitions = Array.from({length: 41}, (_, i) => ({Name: `m${i}`, Regex: `m${i}=([0-9.]+)`}))), "AlgorithmSpecification.MetricDefinitions", /has 41 metric definitions; SageMaker accepts at most 40/);
    expectProblem((r) => (r.AlgorithmSpecification.MetricDefinitions[0].Regex = "loss = ([0-9.]+"), "AlgorithmSpecification.MetricDefinitions[0].Regex", /is not a valid regular expression/);
    expectProblem((r) => (r.AlgorithmSpecification.MetricDefinitions[0].Regex = "loss = [0-9.]+"), "AlgorithmSpecification.MetricDefinitions[0].Regex", /has no capture group/);
    expectProblem((r) => (r.AlgorithmSpecification.MetricDefinitions[1].Name = r.AlgorithmSpecification.MetricDefinitions[0].Name), "AlgorithmSpecification.MetricDefinitions[1].Name", /is defined twice/);
  });

  it("checks the name, role, image, instance type, counts and times", () => {
    expectProblem((r) => (r.TrainingJobName = "dschat_step1"), "TrainingJobName", /may only hold letters, digits and hyphens/);
    expectProblem((r) => (r.TrainingJobName = "a".repeat(64)), "TrainingJobName", /has 64 characters; SageMaker allows at most 63/);
    expectProblem((r) => (r.RoleArn = "DSChatRole"), "RoleArn", /must be an IAM role ARN/);
    expectProblem((r) => (r.AlgorithmSpecification.TrainingImage = "my image"), "AlgorithmSpecification.TrainingImage", /without spaces/);
    expectProblem((r) => (r.ResourceConfig.InstanceType = "ml.g5.3xlarge"), "ResourceConfig.InstanceType", /"ml.g5.3xlarge" is not a SageMaker training instance type; did you mean ml.g5.12xlarge/);
    expectProblem((r) => (r.ResourceConfig.InstanceCount = 0), "ResourceConfig.InstanceCount", /whole number ≥ 1/);
    expectProblem((r) => (r.StoppingCondition.MaxRuntimeInSeconds = 29 * 86400), "StoppingCondition.MaxRuntimeInSeconds", /28 days/);
    expectProblem((r) => (r.EnableManagedSpotTraining = true), "StoppingCondition.MaxWaitTimeInSeconds", /is required with EnableManagedSpotTraining/);
    expectProblem((r) => (r.StoppingCondition.MaxWaitTimeInSeconds = 10), "StoppingCondition.MaxWaitTimeInSeconds", /at least MaxRuntimeInSeconds/);
    expectProblem((r) => (r.RetryStrategy.MaximumRetryAttempts = 31), "RetryStrategy.MaximumRetryAttempts", /from 1 to 30/);
  });

  it("checks hyperparameters, channels, S3 URIs, environment and tags", () => {
    expectProblem((r) => Object.assign(r.HyperParameters, Object.fromEntries(Array.from({length: 80}, (_, i) => [`x${i}`, "1"]))), "HyperParameters", /entries; SageMaker accepts at most 100/);
    expectProblem((r) => (r.HyperParameters.data_path = JSON.stringify(Array.from({length: 20}, (_, i) => `org/a-rather-long-dataset-name-${i}`))), "HyperParameters.data_path", /SageMaker limits each value to 256/);
    expectProblem((r) => (r.HyperParameters.zero_stage = 3), "HyperParameters.zero_stage", /must be a string \(JSON-encoded\)/);
    expectProblem((r) => (r.InputDataConfig[0].ChannelName = "train data"), "InputDataConfig[0].ChannelName", /letters, digits, dots, hyphens or underscores/);
    expectProblem((r) => r.InputDataConfig.push(structuredClone(r.InputDataConfig[0])), "InputDataConfig[1].ChannelName", /appears twice/);
    expectProblem((r) => (r.InputDataConfig[0].DataSource.S3DataSource.S3Uri = "https://bucket.s3.amazonaws.com/x"), "InputDataConfig[0].DataSource.S3DataSource.S3Uri", /must start with s3:\/\//);
    expectProblem((r) => (r.OutputDataConfig.S3OutputPath = "s3://My_Bucket/out/"), "OutputDataConfig.S3OutputPath", /names an invalid bucket: bucket names use lowercase letters/);
    expectProblem((r) => (r.Environment["1BAD"] = "x"), "Environment.1BAD", /letters, digits and underscores/);
    expectProblem((r) => r.Tags.push({Key: "note", Value: "bad<value>"}), `Tags[${good().Tags.length}].Value`, /letters, digits, spaces/);
  });

  it("refuses secrets: a secret's value anywhere, credential-shaped text, and secret-named variables", () => {
    const secret = "MARKER-SECRET-8c1e0f";
    expectProblem((r) => (r.HyperParameters.note = JSON.stringify(`x${secret}`)), "HyperParameters.note", /contains the value of a secret from your environment/, [secret]);
    expectProblem((r) => (r.Tags[0].Value = secret), "Tags[0].Value", /contains the value of a secret/, [secret]);
    expectProblem((r) => (r.Environment.HF_TOKEN = "x"), "Environment.HF_TOKEN", /looks like a secret; a job's environment is stored and shown in plain text/);
    expectProblem((r) => (r.Environment.NOTE = "AKIAABCDEFGHIJKLMNOP"), "Environment.NOTE", /looks like an AWS access key/);
    expectProblem((r) => (r.HyperParameters.hf_token = '"x"'), "HyperParameters.hf_token", /looks like a secret/);
    assert.deepEqual(problemsOf((r) => (r.HyperParameters.eot_token = '"<|endoftext|>"')), [], "DS-Chat's --eot_token is an argument, not a secret");
    assert.equal(looksLikeSecretName("TOKENIZERS_PARALLELISM"), false);
    assert.equal(looksLikeSecretName("AWS_SECRET_ACCESS_KEY"), true);
  });
});
