/**
 * GPUs and instance types the estimator can fit a plan to. Editable data: a user (or the page) can pass its own catalogue,
 * and `--price`/`pricePerHour` overrides a price. Prices are us-east-1 SageMaker training on-demand $/h; AWS publishes no
 * stable table (see docs/reference sagemaker.md §8), so each entry says where its number comes from and when.
 */

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

const QUOTED = "sagemaker.md §8: SageMaker training on-demand us-east-1, as quoted in public repositories (2025)";
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
  throw new Error(`unknown instance type "${name}"; known: ${catalog.map((entry) => entry.name).join(", ")}`);
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function positive(value: unknown, where: string): number {
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) throw new Error(`${where} must be a positive number, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Reads a user's catalogue (untrusted JSON): a list of instance types with `name`, `gpuCount`, `hostMemoryGiB`,
 * `pricePerHour` (null = unknown), optional `priceSource`, and `gpu` as one of our GPU keys ("A100_80") or a full
 * GpuSpec. Entries replace the built-in ones of the same name; the rest are added.
 */
export function normalizeInstanceCatalog(spec: unknown, base: readonly InstanceType[] = instanceCatalog): InstanceType[] {
  if (!Array.isArray(spec)) throw new Error(`an instance catalogue must be a JSON list of instance types, got ${JSON.stringify(spec)?.slice(0, 80)}`);
  const merged = new Map(base.map((entry) => [entry.name.toLowerCase(), entry]));
  spec.forEach((item, i) => {
    const where = `catalogue[${i}]`;
    if (!isRecord(item)) throw new Error(`${where} must be an object, got ${JSON.stringify(item)}`);
    if (typeof item.name !== "string" || item.name === "") throw new Error(`${where}.name must be the instance type's name, got ${JSON.stringify(item.name)}`);
    let gpu: GpuSpec;
    if (typeof item.gpu === "string") {
      const known = (gpus as Record<string, GpuSpec>)[item.gpu];
      if (!known) throw new Error(`${where}.gpu ${JSON.stringify(item.gpu)} is not a known GPU; known: ${Object.keys(gpus).join(", ")}, or give {name, memoryGiB, peakTflops, bandwidthGBs, bf16}`);
      gpu = known;
    } else if (isRecord(item.gpu)) {
      const g = item.gpu;
      if (typeof g.name !== "string" || typeof g.bf16 !== "boolean") throw new Error(`${where}.gpu needs a name and bf16 (true/false)`);
      gpu = {name: g.name, memoryGiB: positive(g.memoryGiB, `${where}.gpu.memoryGiB`), peakTflops: positive(g.peakTflops, `${where}.gpu.peakTflops`), bandwidthGBs: positive(g.bandwidthGBs, `${where}.gpu.bandwidthGBs`), bf16: g.bf16, source: typeof g.source === "string" ? g.source : "user catalogue"};
    } else throw new Error(`${where}.gpu must be a GPU key or a GPU object, got ${JSON.stringify(item.gpu)}`);
    const gpuCount = positive(item.gpuCount, `${where}.gpuCount`);
    if (!Number.isInteger(gpuCount)) throw new Error(`${where}.gpuCount must be a whole number, got ${gpuCount}`);
    const price = item.pricePerHour === null || item.pricePerHour === undefined ? null : positive(item.pricePerHour, `${where}.pricePerHour`);
    merged.set(item.name.toLowerCase(), {
      name: item.name,
      gpu,
      gpuCount,
      hostMemoryGiB: positive(item.hostMemoryGiB, `${where}.hostMemoryGiB`),
      pricePerHour: price,
      priceSource: typeof item.priceSource === "string" ? item.priceSource : "user catalogue"
    });
  });
  return [...merged.values()];
}
