/**
 * What a job's own log measured, from its metric rows and its DeepSpeed logger stamps: peak GPU memory (DeepSpeed's
 * `MaxMemAllocated`, rank 0's GPU, in GiB: timer.py divides by 1024³), wall time between the first and last stamp (the
 * run's own clock, whatever replays or imports the log), training micro-steps, throughput. Isomorphic.
 */
import type {RunMetricRow} from "./metricRows.js";

export interface RunMeasurement {
  peak_memory_gib: number | null;
  wall_seconds: number | null;
  /** Training micro-steps per rank that the log shows (the last iteration + 1). */
  iterations: number | null;
  /** DeepSpeed's last running average, samples/s over all GPUs. */
  samples_per_sec: number | null;
  /** Mean achieved TFLOPs per GPU over the lines that print it. */
  tflops: number | null;
}

const last = (rows: readonly RunMetricRow[], metric: string) => rows.findLast((row) => row.metric === metric)?.value ?? null;

export function measureRun(rows: readonly RunMetricRow[], stamps: {first: number | null; last: number | null}): RunMeasurement {
  let peak: number | null = null;
  let iteration: number | null = null;
  const tflops: number[] = [];
  for (const row of rows) {
    if (row.metric === "ds:max_mem_allocated_gb") peak = Math.max(peak ?? 0, row.value);
    if (row.iteration !== null) iteration = Math.max(iteration ?? 0, row.iteration);
    if (row.metric === "perf:tflops" || row.metric === "ppo:e2e_tflops") tflops.push(row.value);
  }
  return {
    peak_memory_gib: peak,
    wall_seconds: stamps.first !== null && stamps.last !== null && stamps.last > stamps.first ? (stamps.last - stamps.first) / 1000 : null,
    iterations: iteration === null ? null : iteration + 1,
    samples_per_sec: last(rows, "ds:avg_samples_per_sec") ?? last(rows, "he:avg_samples_per_sec"),
    tflops: tflops.length ? tflops.reduce((a, b) => a + b, 0) / tflops.length : null
  };
}
