/**
 * What a SageMaker training instance does for one job, simulated on this machine: the /opt/ml tree of each host under
 * a temporary folder, the job's sourcedir.tar.gz unpacked into /opt/ml/code, every channel's S3 objects copied into
 * /opt/ml/input/data/<channel>, hyperparameters.json / resourceconfig.json / inputdataconfig.json written, the SM_*
 * variables the training toolkit sets, and the uploaded launcher run by python3 — one process per host standing in for
 * the host's GPU processes — in a "simulated image" whose DS-Chat ($DSCHAT_ROOT) is the generated stand-in.
 * The process gets a clean environment: nothing of the emulator's own environment (credentials included) reaches it.
 */
import {spawn, type ChildProcess} from "node:child_process";
import {cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from "node:fs";
import {dirname, join, relative, sep} from "node:path";
import {createInterface} from "node:readline";
import {fileURLToPath} from "node:url";
import {findInstance} from "../../src/core/estimate/instanceCatalog.js";
import type {CreateTrainingJobRequest} from "../../src/core/sagemaker/trainingJobRequest.js";
import {checkTarPath, readTar, writeTarGz, type TarEntry} from "../aws/tar.js";
import type {S3Store} from "./s3Service.js";

export const STANDIN_ROOT = fileURLToPath(new URL("./standin/DeepSpeed-Chat/", import.meta.url));
/** The published DS-Chat logs the stand-in replays (data/replay-logs/README.md: DeepSpeedExamples training_log_output). */
export const REPLAY_LOG_DIR = fileURLToPath(new URL("../../data/replay-logs/", import.meta.url));

export class JobFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export function parseS3(uri: string): {bucket: string; key: string} {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new JobFailure(`ClientError: ${uri} is not an S3 URI`);
  return {bucket: match[1]!, key: match[2]!};
}

export interface HostLayout {
  host: string;
  index: number;
  root: string;
  ml: string;
  code: string;
  model: string;
  output: string;
  image: string;
  tmp: string;
  channels: Record<string, string>;
}

export function decodeHyperParameters(hps: Record<string, string>): Record<string, unknown> {
  const decoded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(hps)) {
    try {
      decoded[key] = JSON.parse(value);
    } catch {
      decoded[key] = value;
    }
  }
  return decoded;
}

/** Copies an S3 prefix (or one object) into a folder, as SageMaker's File mode does; returns the file count. */
function downloadChannel(store: S3Store, uri: string, dest: string): number {
  const {bucket, key} = parseS3(uri);
  if (!store.hasBucket(bucket)) throw new JobFailure(`ClientError: Data download failed: the bucket of ${uri} does not exist`);
  const objects = store.list(bucket, key);
  if (objects.length === 0) throw new JobFailure(`ClientError: Data download failed:No S3 objects found under S3 URL "${uri}" given in input data source. Please ensure that the bucket exists in the selected region (us-east-1), that objects exist under that S3 prefix, and that the role has permission to read the objects.`);
  const base = key.includes("/") ? key.slice(0, key.lastIndexOf("/") + 1) : "";
  for (const object of objects) {
    const rel = object.key.slice(base.length);
    checkTarPath(rel);
    const target = join(dest, ...rel.split("/"));
    mkdirSync(dirname(target), {recursive: true});
    writeFileSync(target, store.get(bucket, object.key).data);
  }
  return objects.length;
}

/** Lays out every host's /opt/ml tree; throws JobFailure with SageMaker's kind of reason when an input is missing. */
export function prepareHosts(store: S3Store, request: CreateTrainingJobRequest, workDir: string): HostLayout[] {
  const count = request.ResourceConfig.InstanceCount;
  const hosts = Array.from({length: count}, (_, i) => `algo-${i + 1}`);
  const hps = request.HyperParameters ?? {};
  const submit = decodeHyperParameters(hps).sagemaker_submit_directory;
  if (typeof submit !== "string") throw new JobFailure("AlgorithmError: the hyperparameter sagemaker_submit_directory (the S3 URI of sourcedir.tar.gz) is missing");
  const {bucket, key} = parseS3(submit);
  const bundle = store.hasBucket(bucket) ? store.head(bucket, key) : null;
  if (!bundle) throw new JobFailure(`AlgorithmError: could not download ${submit}: the object does not exist`);
  let files: TarEntry[];
  try {
    files = readTar(store.get(bucket, key).data);
  } catch (error) {
    throw new JobFailure(`AlgorithmError: ${submit} is not a readable tar.gz: ${(error as Error).message}`);
  }
  const layouts = hosts.map((host, index) => {
    const root = join(workDir, host);
    const ml = join(root, "opt", "ml");
    const layout: HostLayout = {host, index, root, ml, code: join(ml, "code"), model: join(ml, "model"), output: join(ml, "output"), image: join(root, "image", "DeepSpeed-Chat"), tmp: join(root, "tmp"), channels: {}};
    for (const dir of [layout.code, layout.model, join(layout.output, "data"), join(ml, "input", "config"), join(ml, "input", "data"), join(ml, "checkpoints"), layout.tmp]) mkdirSync(dir, {recursive: true});
    for (const file of files) {
      const target = join(layout.code, ...file.path.split("/"));
      mkdirSync(dirname(target), {recursive: true});
      writeFileSync(target, file.data, {mode: file.mode && file.mode & 0o111 ? 0o755 : 0o644});
    }
    for (const channel of request.InputDataConfig ?? []) {
      const dest = join(ml, "input", "data", channel.ChannelName);
      mkdirSync(dest, {recursive: true});
      downloadChannel(store, channel.DataSource.S3DataSource.S3Uri, dest);
      layout.channels[channel.ChannelName] = dest;
    }
    writeFileSync(join(ml, "input", "config", "hyperparameters.json"), JSON.stringify(hps));
    writeFileSync(join(ml, "input", "config", "resourceconfig.json"), JSON.stringify({current_host: host, current_instance_type: request.ResourceConfig.InstanceType, hosts, network_interface_name: "eth0"}));
    writeFileSync(
      join(ml, "input", "config", "inputdataconfig.json"),
      JSON.stringify(
        Object.fromEntries(
          (request.InputDataConfig ?? []).map((c) => [c.ChannelName, {TrainingInputMode: c.InputMode ?? request.AlgorithmSpecification.TrainingInputMode, S3DistributionType: c.DataSource.S3DataSource.S3DataDistributionType ?? "FullyReplicated", RecordWrapperType: "None"}])
        )
      )
    );
    // The simulated image's own DS-Chat: a private copy per host, since the launcher links its data/ folder.
    cpSync(STANDIN_ROOT, layout.image, {recursive: true, filter: (source) => !source.includes(`${sep}__pycache__`)});
    return layout;
  });
  return layouts;
}

/** Mirrors sagemaker_training's mapping.to_cmd_args: sorted user hyperparameters as --key value. */
function toolkitArgs(user: Record<string, unknown>): string[] {
  return Object.keys(user)
    .sort()
    .flatMap((key) => {
      const value = user[key];
      const text = typeof value === "string" ? value : typeof value === "boolean" ? (value ? "True" : "False") : JSON.stringify(value);
      return [key.length === 1 ? `-${key}` : `--${key}`, text];
    });
}

export interface HostProcessOptions {
  python: string;
  jobName: string;
  jobArn: string;
  region: string;
  replaySeconds: number;
  onLine: (line: string) => void;
}

/** Starts one host's launcher: the environment the SageMaker toolkit and torchrun would give its local-rank-0 process. */
export function startHost(request: CreateTrainingJobRequest, layout: HostLayout, hosts: readonly HostLayout[], options: HostProcessOptions): ChildProcess {
  const decoded = decodeHyperParameters(request.HyperParameters ?? {});
  const user = Object.fromEntries(Object.entries(decoded).filter(([key]) => !key.startsWith("sagemaker_")));
  const framework = Object.fromEntries(Object.entries(decoded).filter(([key]) => key.startsWith("sagemaker_")));
  const instance = findInstance(request.ResourceConfig.InstanceType);
  const gpus = instance?.gpuCount ?? 1;
  const hostNames = hosts.map((h) => h.host);
  const entry = typeof decoded.sagemaker_program === "string" ? decoded.sagemaker_program : "train.py";
  const args = toolkitArgs(user);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    LANG: "C.UTF-8",
    HOME: layout.tmp,
    TMPDIR: layout.tmp,
    PYTHONDONTWRITEBYTECODE: "1",
    ...(request.Environment ?? {}),
    TRAINING_JOB_NAME: options.jobName,
    TRAINING_JOB_ARN: options.jobArn,
    SM_MODEL_DIR: layout.model,
    SM_OUTPUT_DIR: layout.output,
    SM_OUTPUT_DATA_DIR: join(layout.output, "data"),
    SM_OUTPUT_INTERMEDIATE_DIR: join(layout.output, "intermediate"),
    SM_INPUT_DIR: join(layout.ml, "input"),
    SM_INPUT_CONFIG_DIR: join(layout.ml, "input", "config"),
    SM_CHANNELS: JSON.stringify(Object.keys(layout.channels).sort()),
    ...Object.fromEntries(Object.entries(layout.channels).map(([name, path]) => [`SM_CHANNEL_${name.toUpperCase()}`, path])),
    SM_HPS: JSON.stringify(user),
    ...Object.fromEntries(Object.entries(user).map(([key, value]) => [`SM_HP_${key.toUpperCase()}`, typeof value === "string" ? value : JSON.stringify(value)])),
    SM_HOSTS: JSON.stringify(hostNames),
    SM_CURRENT_HOST: layout.host,
    SM_CURRENT_INSTANCE_TYPE: request.ResourceConfig.InstanceType,
    SM_NUM_GPUS: String(gpus),
    SM_NUM_CPUS: "8",
    SM_NETWORK_INTERFACE_NAME: "eth0",
    SM_LOG_LEVEL: String(decoded.sagemaker_container_log_level ?? 20),
    SM_MODULE_NAME: entry.replace(/\.py$/, ""),
    SM_USER_ENTRY_POINT: entry,
    SM_MODULE_DIR: String(decoded.sagemaker_submit_directory ?? ""),
    SM_FRAMEWORK_PARAMS: JSON.stringify(framework),
    SM_USER_ARGS: JSON.stringify(args),
    SM_RESOURCE_CONFIG: readFileSync(join(layout.ml, "input", "config", "resourceconfig.json"), "utf8"),
    SM_INPUT_DATA_CONFIG: readFileSync(join(layout.ml, "input", "config", "inputdataconfig.json"), "utf8"),
    SM_TRAINING_ENV: JSON.stringify({job_name: options.jobName, current_host: layout.host, hosts: hostNames, hyperparameters: user, num_gpus: gpus, model_dir: layout.model, module_dir: decoded.sagemaker_submit_directory}),
    // torchrun, as the toolkit's torch_distributed runner starts it; this one process stands for local rank 0.
    LOCAL_RANK: "0",
    RANK: String(layout.index * gpus),
    GROUP_RANK: String(layout.index),
    LOCAL_WORLD_SIZE: String(gpus),
    WORLD_SIZE: String(hostNames.length * gpus),
    MASTER_ADDR: hostNames[0]!,
    MASTER_PORT: "7777",
    // The simulated image.
    DSCHAT_ROOT: layout.image,
    DSCHAT_WORK_DIR: join(layout.tmp, "dschat-studio-work"),
    DSCHAT_STANDIN_LOG_DIR: REPLAY_LOG_DIR,
    DSCHAT_STANDIN_REPLAY_SECONDS: String(options.replaySeconds),
    PYTHONUNBUFFERED: "1"
  };
  options.onLine(
    `[SIMULATED] dschat-studio emulator, ${layout.host}: Invoking script with the following command: torchrun --nnodes ${hostNames.length} --nproc_per_node ${gpus} ${entry} ${args.join(" ")} (simulated: one process stands for this host's ${gpus} GPU process${gpus === 1 ? "" : "es"})`
  );
  const child = spawn(options.python, [join(layout.code, entry), ...args], {cwd: layout.code, env, stdio: ["ignore", "pipe", "pipe"]});
  // The log shows paths as the container sees them (/opt/ml/model, not the emulator's work folder on this machine):
  // a recorded or shared log then names no folder of the user's machine, as a real job's log does not.
  const asInContainer = (line: string) => line.split(layout.root).join("");
  for (const stream of [child.stdout!, child.stderr!]) createInterface({input: stream, crlfDelay: Infinity}).on("line", (line) => options.onLine(asInContainer(line.length > 250_000 ? `${line.slice(0, 250_000)}…` : line)));
  return child;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const visit = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      const stat = statSync(path);
      if (stat.isDirectory()) visit(path);
      else if (stat.isFile()) out.push(relative(dir, path).split(sep).join("/"));
    }
  };
  visit(dir);
  return out;
}

/** Uploads /opt/ml/model of the first host as SageMaker does; returns ModelArtifacts.S3ModelArtifacts (null when empty). */
export function uploadModel(store: S3Store, request: CreateTrainingJobRequest, layout: HostLayout): string | null {
  const files = filesUnder(layout.model);
  if (files.length === 0) return null;
  const base = request.OutputDataConfig.S3OutputPath.replace(/\/?$/, "/");
  const {bucket, key} = parseS3(`${base}${request.TrainingJobName}/output/`);
  if (!store.hasBucket(bucket)) throw new JobFailure(`ClientError: could not upload the model: the output bucket ${bucket} does not exist`);
  if (request.OutputDataConfig.CompressionType === "NONE") {
    for (const file of files) store.put(bucket, `${key}model/${file}`, readFileSync(join(layout.model, ...file.split("/"))));
    return `s3://${bucket}/${key}model/`;
  }
  const archive = writeTarGz(files.map((file) => ({path: file, data: readFileSync(join(layout.model, ...file.split("/")))})));
  store.put(bucket, `${key}model.tar.gz`, archive, {contentType: "application/x-tar"});
  return `s3://${bucket}/${key}model.tar.gz`;
}

/** SageMaker's FailureReason for a script that exited non-zero: the failure file the launcher wrote, else the last lines. */
export function failureReason(layout: HostLayout, exitCode: number | null, lastLines: readonly string[]): string {
  const file = join(layout.output, "failure");
  const detail = existsSync(file) ? readFileSync(file, "utf8").trim() : lastLines.slice(-3).join("\n");
  return `AlgorithmError: ExecuteUserScriptError: ExitCode ${exitCode ?? "unknown"} ErrorMessage "${detail.slice(0, 900)}" (${layout.host})`;
}
