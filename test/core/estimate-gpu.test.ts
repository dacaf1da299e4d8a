// The step-1 memory estimate against a real GPU: every point bench/gpu measured (torch.cuda.max_memory_allocated on an
// H200, DS-Chat's step reproduced with DeepSpeed v0.18.8's optimizer buffers; bench/gpu/results/*.jsonl) must be within
// ±10% of the estimate, for the training step and for DS-Chat's evaluation, and the parameter counts must be exact.
import assert from "node:assert/strict";
import {readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {describe, it} from "node:test";
import type {AttentionKernel} from "../../src/core/estimate/activationProfile.js";
import {estimateMemory, trainingPeakBytes} from "../../src/core/estimate/estimateMemory.js";
import {normalizePlan} from "../../src/core/plan/normalizePlan.js";
import {planModels} from "../../src/core/plan/planModels.js";
import {root} from "../helpers/cli.js";

interface MeasuredPoint {
  key: string;
  point: {
    model: string;
    per_device_train_batch_size: number;
    per_device_eval_batch_size: number;
    max_seq_len: number;
    zero_stage: number;
    dtype: string;
    lora_dim: number;
    lora_module_name: string;
    only_optimize_lora: boolean;
    gradient_checkpointing: boolean;
    add_eot_token: boolean;
  };
  setup: {params: number; trainable: number};
  attention: AttentionKernel;
  max_memory_allocated: number;
  peak_eval_bytes: number;
}

const resultsDir = join(root, "bench/gpu/results");

function loadMeasurements(): {environment: {gpu: string; transformers: string}; points: MeasuredPoint[]}[] {
  return readdirSync(resultsDir)
    .filter((name) => name.endsWith(".jsonl"))
    .map((name) => {
      const rows = readFileSync(join(resultsDir, name), "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line));
      return {environment: rows[0].environment, points: rows.filter((row) => row.key && !row.error)};
    });
}

function estimateForPoint(measured: MeasuredPoint, transformersVersion: string) {
  const p = measured.point;
  const plan = normalizePlan({
    steps: [1],
    step1: {
      model_name_or_path: p.model,
      per_device_train_batch_size: p.per_device_train_batch_size,
      per_device_eval_batch_size: p.per_device_eval_batch_size,
      max_seq_len: p.max_seq_len,
      zero_stage: p.zero_stage,
      dtype: p.dtype,
      lora_dim: p.lora_dim,
      ...(p.lora_dim ? {lora_module_name: p.lora_module_name} : {}),
      only_optimize_lora: p.only_optimize_lora,
      gradient_checkpointing: p.gradient_checkpointing,
      add_eot_token: p.add_eot_token
    }
  });
  // The kernel the measurement ran (the installed transformers' default, or the point's explicit choice).
  // measure.py reproduces DeepSpeed v0.18.8's optimizer buffers (bench/gpu/measure.py's docstring).
  const [memory] = estimateMemory(plan, planModels(plan), {worldSize: 1, gpusPerNode: 1, attention: measured.attention, transformersVersion, deepspeedVersion: "0.18.8"});
  const evaluation = memory.phases.find((phase) => phase.phase === "evaluation")!;
  return {memory, training: trainingPeakBytes(memory), evaluation: evaluation.bytes};
}

describe("the step-1 memory estimate against bench/gpu's measurements", () => {
  const runs = loadMeasurements();
  it("has measurements to check", () => assert.ok(runs.some((run) => run.points.length >= 100)));
  for (const run of runs) {
    it(`${run.environment.gpu}: every point within ±10% (training step and evaluation), parameter counts exact`, (t) => {
      let worst = {diff: 0, key: ""};
      for (const point of run.points) {
        const {memory, training, evaluation} = estimateForPoint(point, run.environment.transformers);
        assert.equal(memory.counts.model.params, point.setup.params, `${point.key}: parameters`);
        assert.equal(memory.counts.model.trainable, point.setup.trainable, `${point.key}: trainable parameters`);
        for (const [label, estimate, measured] of [["training", training, point.max_memory_allocated], ["evaluation", evaluation, point.peak_eval_bytes]] as const) {
          const diff = estimate / measured - 1;
          assert.ok(Math.abs(diff) <= 0.1, `${point.key} ${label}: estimate ${(estimate / 2 ** 30).toFixed(2)} GiB vs measured ${(measured / 2 ** 30).toFixed(2)} GiB (${(diff * 100).toFixed(1)}%)`);
          if (Math.abs(diff) > Math.abs(worst.diff)) worst = {diff, key: `${point.key} ${label}`};
        }
      }
      t.diagnostic(`${run.points.length} points; largest difference ${(worst.diff * 100).toFixed(1)}% (${worst.key})`);
    });
  }
});
