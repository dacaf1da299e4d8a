/**
 * GPUs and instance types the estimator can fit a plan to. Editable data: a user (or the page) can pass its own catalogue,
 * and `--price` overrides a price. Prices are us-east-1 SageMaker training on-demand $/h; AWS publishes no stable machine-
 * readable table, so each entry says where its number comes from and when. A catalogue file (`plan --catalog`, and what
 * `plan --instances --json` prints) is described by schemas/instances.schema.json.
 */
import {checkKeys, checkSchemaVersion, isRecord, readArray, readBoolean, readNumber, readObject, readString} from "../contract/jsonFields.js";
import {SCHEMA_VERSIONS, versioned} from "../contract/schemaVersions.js";
import {didYouMean} from "../contract/suggest.js";
import {UserError} from "../contract/userError.js";

export interface GpuSpec {
  name: string;
  /** Memory a process can allocate, GiB (what nvidia-smi reports as total). */
  memoryGiB: number;
  /** Dense fp16/bf16 tensor-core peak, TFLOPS (no sparsity). */
  peakTflops: number;
  /** HBM/GDDR bandwidth, GB/s (bounds generation speed). */
  bandwidthGBs: number;
  bf16: boolean;
  source: string;
}

export const gpus = {
  T4: {name: "T4", memoryGiB: 15, peakTflops: 65, bandwidthGBs: 320, bf16: false, source: "NVIDIA T4 datasheet"},
  V100_16: {name: "V100-16GB", memoryGiB: 15.8, peakTflops: 125, bandwidthGBs: 900, bf16: false, source: "NVIDIA V100 datasheet (SXM2)"},
  V100_32: {name: "V100-32GB", memoryGiB: 31.7, peakTflops: 125, bandwidthGBs: 900, bf16: false, source: "NVIDIA V100 datasheet (SXM2)"},
  A10G: {name: "A10G", memoryGiB: 22.5, peakTflops: 70, bandwidthGBs: 600, bf16: true, source: "AWS G5 page (24 GB); ~70 dense TFLOPS, lower clocks than the A10's 125 (unverified)"},
  L4: {name: "L4", memoryGiB: 22.5, peakTflops: 121, bandwidthGBs: 300, bf16: true, source: "NVIDIA L4 datasheet (242 sparse)"},
  L40S: {name: "L40S", memoryGiB: 45, peakTflops: 362, bandwidthGBs: 864, bf16: true, source: "NVIDIA L40S datasheet (733 sparse)"},
  A6000: {name: "RTX A6000", memoryGiB: 48, peakTflops: 155, bandwidthGBs: 768, bf16: true, source: "NVIDIA RTX A6000 datasheet (309 sparse)"},
  A100_40: {name: "A100-40GB", memoryGiB: 40, peakTflops: 312, bandwidthGBs: 1555, bf16: true, source: "NVIDIA A100 datasheet"},
  A100_80: {name: "A100-80GB", memoryGiB: 80, peakTflops: 312, bandwidthGBs: 2039, bf16: true, source: "NVIDIA A100 datasheet"},
  H100: {name: "H100-80GB", memoryGiB: 79.6, peakTflops: 989, bandwidthGBs: 3350, bf16: true, source: "NVIDIA H100 SXM datasheet"},
  H200: {name: "H200-141GB", memoryGiB: 140.4, peakTflops: 989, bandwidthGBs: 4800, bf16: true, source: "NVIDIA H200 datasheet"}
} satisfies Record<string, GpuSpec>;

export interface InstanceType {
  name: string;
  gpu: GpuSpec;
  gpuCount: number;
  hostMemoryGiB: number;
  /** On-demand $/h; null when unknown (a reference machine, not a rentable type). */
  pricePerHour: number | null;
  priceSource: string;
}

const QUOTED = "SageMaker training on-demand us-east-1, as quoted in public repositories (2025)";
const UNVERIFIED = "SageMaker training on-demand us-east-1 list price as remembered, unverified (2025); override with --price";

const instance = (name: string, gpu: GpuSpec, gpuCount: number, hostMemoryGiB: number, pricePerHour: number | null, priceSource: string): InstanceType => ({
  name,
  gpu,
  gpuCount,
  hostMemoryGiB,
  pricePerHour,
  priceSource
});

export const instanceCatalog: readonly InstanceType[] = [
  instance("ml.g4dn.xlarge", gpus.T4, 1, 16, 0.736, UNVERIFIED),
  instance("ml.g4dn.12xlarge", gpus.T4, 4, 192, 4.89, UNVERIFIED),
  instance("ml.g5.xlarge", gpus.A10G, 1, 16, 1.408, UNVERIFIED),
  instance("ml.g5.2xlarge", gpus.A10G, 1, 32, 1.515, QUOTED),
  instance("ml.g5.4xlarge", gpus.A10G, 1, 64, 2.03, UNVERIFIED),
  instance("ml.g5.8xlarge", gpus.A10G, 1, 128, 3.06, UNVERIFIED),
  instance("ml.g5.12xlarge", gpus.A10G, 4, 192, 7.09, QUOTED),
  instance("ml.g5.24xlarge", gpus.A10G, 4, 384, 10.18, UNVERIFIED),
  instance("ml.g5.48xlarge", gpus.A10G, 8, 768, 20.36, QUOTED),
  instance("ml.g6.2xlarge", gpus.L4, 1, 32, 1.222, UNVERIFIED),
  instance("ml.g6.12xlarge", gpus.L4, 4, 192, 5.752, UNVERIFIED),
  instance("ml.g6e.2xlarge", gpus.L40S, 1, 64, 2.808, UNVERIFIED),
  instance("ml.g6e.12xlarge", gpus.L40S, 4, 384, 13.117, UNVERIFIED),
  instance("ml.g6e.48xlarge", gpus.L40S, 8, 1536, 37.647, UNVERIFIED),
  instance("ml.p3.2xlarge", gpus.V100_16, 1, 61, 3.825, UNVERIFIED),
  instance("ml.p3.16xlarge", gpus.V100_16, 8, 488, 28.152, UNVERIFIED),
  instance("ml.p3dn.24xlarge", gpus.V100_32, 8, 768, 35.894, UNVERIFIED),
  instance("ml.p4d.24xlarge", gpus.A100_40, 8, 1152, 37.688, `${QUOTED}; older list price`),
  instance("ml.p4de.24xlarge", gpus.A100_80, 8, 1152, 47.11, UNVERIFIED),
  instance("ml.p5.48xlarge", gpus.H100, 8, 2048, 113.07, `${QUOTED}; quotes range 98–113, before the mid-2025 price cuts`),
  instance("ml.p5en.48xlarge", gpus.H200, 8, 2048, null, "no price found; pass --price"),
  // Reference machines of DS-Chat's published runs (not rentable as such; no price).
  instance("1xA6000", gpus.A6000, 1, 128, null, "DS-Chat README benchmark machine"),
  instance("1xA100-40GB", gpus.A100_40, 1, 128, null, "DS-Chat README benchmark machine"),
  instance("1xA100-80GB", gpus.A100_80, 1, 128, null, "DS-Chat README benchmark machine"),
  instance("8xA100-40GB", gpus.A100_40, 8, 1024, null, "DS-Chat README benchmark machine"),
  instance("8xA100-80GB", gpus.A100_80, 8, 1024, null, "DS-Chat README benchmark machine (Azure; the README prices it at about $32/h)"),
  instance("8xV100-32GB", gpus.V100_32, 8, 512, null, "DS-Chat shipped logs machine (2 nodes of these = 16×V100-32G)")
];

export function findInstance(name: string, catalog: readonly InstanceType[] = instanceCatalog): InstanceType | undefined {
  const wanted = name.trim().toLowerCase();
  return catalog.find((entry) => entry.name.toLowerCase() === wanted);
}

export function requireInstance(name: string, catalog: readonly InstanceType[] = instanceCatalog): InstanceType {
  const found = findInstance(name, catalog);
  if (found) return found;
  const names = catalog.map((entry) => entry.name);
  throw new UserError(`instance type ${JSON.stringify(name)} is not in the catalogue`, {
    where: {field: "plan.infrastructure.instance_type"},
    fix: `${didYouMean(name, names)}Choose one of 'dschat-studio plan --instances', or add it with --catalog FILE.`
  });
}

const CATALOG_FIX = "Correct the catalogue: a list of instance types as 'dschat-studio plan --instances --json' prints them (schemas/instances.schema.json).";
const ENTRY_KEYS = ["name", "gpu", "gpu_count", "host_memory_gib", "price_per_hour", "price_source"];
const GPU_KEYS = ["name", "memory_gib", "peak_tflops", "bandwidth_gbs", "bf16", "source"];

/** One instance type as a catalogue file holds it (snake_case keys, the GPU spelled out). */
export interface InstanceTypeJson {
  name: string;
  gpu: {name: string; memory_gib: number; peak_tflops: number; bandwidth_gbs: number; bf16: boolean; source: string};
  gpu_count: number;
  host_memory_gib: number;
  price_per_hour: number | null;
  price_source: string;
}

export function instanceTypeJson(entry: InstanceType): InstanceTypeJson {
  const {gpu} = entry;
  return {
    name: entry.name,
    gpu: {name: gpu.name, memory_gib: gpu.memoryGiB, peak_tflops: gpu.peakTflops, bandwidth_gbs: gpu.bandwidthGBs, bf16: gpu.bf16, source: gpu.source},
    gpu_count: entry.gpuCount,
    host_memory_gib: entry.hostMemoryGiB,
    price_per_hour: entry.pricePerHour,
    price_source: entry.priceSource
  };
}

/** `plan --instances --json`: a catalogue file that `--catalog` reads back. */
export function instancesJson(catalog: readonly InstanceType[]) {
  return versioned("instances", {instances: catalog.map(instanceTypeJson)});
}

function readGpu(value: unknown, field: string): GpuSpec {
  if (typeof value === "string") {
    const known = (gpus as Record<string, GpuSpec>)[value];
    if (!known) throw new UserError(`GPU ${JSON.stringify(value)} is not a known GPU; known: ${Object.keys(gpus).join(", ")}`, {where: {field}, fix: `${didYouMean(value, Object.keys(gpus))}Or give the GPU as an object {${GPU_KEYS.join(", ")}}.`});
    return known;
  }
  const gpu = readObject(value, field, CATALOG_FIX);
  checkKeys(gpu, GPU_KEYS, field, CATALOG_FIX);
  return {
    name: readString(gpu.name, `${field}.name`, CATALOG_FIX),
    memoryGiB: readNumber(gpu.memory_gib, `${field}.memory_gib`, CATALOG_FIX, {above: 0}),
    peakTflops: readNumber(gpu.peak_tflops, `${field}.peak_tflops`, CATALOG_FIX, {above: 0}),
    bandwidthGBs: readNumber(gpu.bandwidth_gbs, `${field}.bandwidth_gbs`, CATALOG_FIX, {above: 0}),
    bf16: readBoolean(gpu.bf16, `${field}.bf16`, CATALOG_FIX),
    source: gpu.source === undefined ? "user catalogue" : readString(gpu.source, `${field}.source`, CATALOG_FIX)
  };
}

/**
 * Reads a user's catalogue (untrusted JSON): `{schema_version, instances: [...]}` as `plan --instances --json` prints
 * it, or just the list. Each entry has `name`, `gpu_count`, `host_memory_gib`, `price_per_hour` (null = unknown),
 * optional `price_source`, and `gpu` as one of our GPU keys ("A100_80") or a GPU object. Entries replace the built-in
 * ones of the same name; the rest are added.
 */
export function normalizeInstanceCatalog(spec: unknown, base: readonly InstanceType[] = instanceCatalog): InstanceType[] {
  let list: unknown = spec;
  if (isRecord(spec)) {
    checkSchemaVersion(spec, SCHEMA_VERSIONS.instances, "an instance catalogue", CATALOG_FIX);
    checkKeys(spec, ["schema_version", "instances"], "catalogue", CATALOG_FIX);
    list = spec.instances;
  }
  const merged = new Map(base.map((entry) => [entry.name.toLowerCase(), entry]));
  readArray(list, "instances", CATALOG_FIX).forEach((item, i) => {
    const field = `instances[${i}]`;
    const entry = readObject(item, field, CATALOG_FIX);
    checkKeys(entry, ENTRY_KEYS, field, CATALOG_FIX);
    const name = readString(entry.name, `${field}.name`, CATALOG_FIX);
    merged.set(name.toLowerCase(), {
      name,
      gpu: readGpu(entry.gpu, `${field}.gpu`),
      gpuCount: readNumber(entry.gpu_count, `${field}.gpu_count`, CATALOG_FIX, {integer: true, min: 1}),
      hostMemoryGiB: readNumber(entry.host_memory_gib, `${field}.host_memory_gib`, CATALOG_FIX, {above: 0}),
      pricePerHour: entry.price_per_hour === null || entry.price_per_hour === undefined ? null : readNumber(entry.price_per_hour, `${field}.price_per_hour`, CATALOG_FIX, {above: 0}),
      priceSource: entry.price_source === undefined ? "user catalogue" : readString(entry.price_source, `${field}.price_source`, CATALOG_FIX)
    });
  });
  return [...merged.values()];
}
