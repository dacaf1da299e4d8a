"""Measure DS-Chat step 1's training step on one GPU: peak memory and time per step, for the studio's estimate.

    python3 bench/gpu/measure.py --out results.jsonl                 # the default grid (dschat_setup.default_grid)
    python3 bench/gpu/measure.py --grid grid.json --out results.jsonl [--warmup 2] [--steps 3] [--budget-seconds 400]
    python3 bench/gpu/measure.py --print-grid                         # the default grid as JSON, no torch needed

No downloads: each model is built from the config.json shipped in bench/gpu/models/ with random weights, and the
tokens are random ids. The step is DS-Chat's (training/step1_supervised_finetuning/main.py at 83757d9c):
create_hf_model (fp32 from_config, vocabulary resized to a multiple of 8), convert_linear_layer_to_lora,
only_optimize_lora_parameters + make_model_gradient_checkpointing_compatible, get_optimizer_grouped_parameters, then
what deepspeed.initialize does with DS-Chat's ds_config (module cast to fp16/bf16, the optimizer wrapper),
gradient_checkpointing_enable(), and per batch `model(**batch, use_cache=False)`, `model.backward(loss)`,
`model.step()`.

DeepSpeed itself is not installed here (its config needs pydantic, which this machine cannot fetch), so its optimizer
wrappers are reproduced as far as GPU memory goes, allocation for allocation, from DeepSpeed v0.18.8:
- FP16_Optimizer (ZeRO-0; runtime/fp16/fused_optimizer.py): each param group flattened into one 16-bit buffer that the
  parameters then view (lines 90-95), an fp32 master copy of it (line 97), Adam's two fp32 moments created by the
  initial step (lines 122-131); in step(), the overflow check's per-gradient fp32 copy, per group the list of fp32
  gradient copies and their flattened fp32 concatenation (lines 283-293), the 16-bit gradients dropped group by group
  (line 312), the fp32 gradients dropped after the Adam step (lines 347-348). Before step, the engine's all-reduce
  fallback flattens the gradients in buckets of 5e8 elements even on one GPU (engine.py lines 2373-2392, 2965-3008).
- DeepSpeedZeroOptimizer (ZeRO-1/2; runtime/zero/stage_1_and_2.py): the 16-bit trainable parameters flattened (aligned)
  into one buffer per group (lines 419-436), an fp32 copy of the partition (line 471; on one GPU the partition is the
  whole group), Adam's moments created by the first step; in backward, two gradient buckets of reduce_bucket_size
  (5e8) 16-bit elements because DS-Chat sets overlap_comm (setup_buckets, lines 2291-2313); gradients copied into the
  bucket as they are produced, then into one contiguous partition buffer (copy_grads_in_partition, lines 1493-1523);
  buckets released after backward (lines 777-784); in step, the partition's gradients flattened (16-bit) and cast to
  fp32 (lines 2152-2166), dropped after the Adam step (line 2180). On one GPU ZeRO-1 and ZeRO-2 hold the same buffers.
Adam is torch's fused AdamW on the fp32 flat buffers: like DeepSpeed's FusedAdam it keeps exp_avg and exp_avg_sq in
fp32 and needs no temporaries the size of the parameters.

Output: one JSON object per line and point: the point, the set-up (parameter counts as built), the peaks
(torch.cuda.max_memory_allocated / max_memory_reserved over the measured steps, forward+backward and optimizer step
apart), the CUDA context seen by the driver, and the mean time per step.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dschat_setup import (  # noqa: E402
    ALLREDUCE_FALLBACK_ELEMENTS,
    REDUCE_BUCKET_ELEMENTS,
    ParamInfo,
    Point,
    aligned_numel,
    allreduce_buckets,
    default_grid,
    load_point,
    lora_wrapped,
    model_config,
    optimizer_groups,
    resized_vocab,
    summarize,
)


def import_torch():
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as error:
        return None, f"torch/transformers not importable ({error})"
    import torch

    if not torch.cuda.is_available():
        return None, "torch has no CUDA device here"
    return torch, None


# --------------------------------------------------------------------------------------------------------------------
# The model as DS-Chat builds it


def build_model(torch, point: Point):
    import transformers
    from torch import nn

    # The published config says torch_dtype float16; DS-Chat's from_pretrained loads fp32 (no torch_dtype passed).
    config_dict = {key: value for key, value in model_config(point.model).items() if key not in ("torch_dtype", "dtype")}
    config = transformers.AutoConfig.for_model(config_dict.pop("model_type"), **config_dict)
    kwargs = {} if point.attention == "default" else {"attn_implementation": point.attention}
    with torch.device("cuda"):
        model = transformers.AutoModelForCausalLM.from_config(config, **kwargs)
    model = model.float()
    # create_hf_model: end_token_id/pad_token_id, then resize to a multiple of 8.
    model.config.pad_token_id = model.config.eos_token_id
    vocab_rows = resized_vocab(point.model, point.add_eot_token)
    model.resize_token_embeddings(vocab_rows)
    attention = getattr(model.config, "_attn_implementation", None) or "unknown"

    linear_names = [name for name, module in model.named_modules() if isinstance(module, nn.Linear)]
    wrapped = lora_wrapped(linear_names, point.lora_module_name) if point.lora_dim > 0 else []
    for name in wrapped:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        linear = getattr(parent, child)
        setattr(parent, child, LoraLinear(torch, linear, point.lora_dim))
    if point.lora_dim > 0 and point.only_optimize_lora:
        for name, param in model.named_parameters():
            param.requires_grad = "lora_right_weight" in name or "lora_left_weight" in name
        # make_model_gradient_checkpointing_compatible
        model.enable_input_require_grads()
    return model, wrapped, attention


class _LoraBase:
    pass


def LoraLinear(torch, linear, lora_dim):
    """DS-Chat's LinearLayer_LoRA semantics (dschat/utils/module/lora.py): y = x W^T + b + (x R L) * (1 / r), with R
    (in x r) Kaiming-uniform, L (r x out) zero, W frozen, b trainable, no LoRA dropout (DS-Chat's default 0)."""
    from torch import nn
    import torch.nn.functional as F

    class Lora(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = linear.weight
            self.bias = linear.bias
            out_features, in_features = linear.weight.shape
            self.lora_right_weight = nn.Parameter(torch.zeros(in_features, lora_dim, device=linear.weight.device, dtype=linear.weight.dtype))
            self.lora_left_weight = nn.Parameter(torch.zeros(lora_dim, out_features, device=linear.weight.device, dtype=linear.weight.dtype))
            self.lora_scaling = 1.0 / lora_dim
            nn.init.kaiming_uniform_(self.lora_right_weight, a=math.sqrt(5))
            self.weight.requires_grad = False

        def forward(self, x):
            return F.linear(x, self.weight, self.bias) + (x @ self.lora_right_weight @ self.lora_left_weight) * self.lora_scaling

    return Lora()


def param_infos(model) -> list[ParamInfo]:
    return [ParamInfo(name, param.numel(), param.requires_grad) for name, param in model.named_parameters()]


# --------------------------------------------------------------------------------------------------------------------
# DeepSpeed's optimizer wrappers, as far as GPU memory goes


class Fp16OptimizerEmulation:
    """FP16_Optimizer (ZeRO-0), see the module docstring."""

    def __init__(self, torch, groups, low_dtype):
        self.torch = torch
        self.groups = groups
        self.flat16 = []
        self.master = []
        for params in groups:
            flat = torch._utils._flatten_dense_tensors([p.detach().clone() for p in params])
            for p, view in zip(params, torch._utils._unflatten_dense_tensors(flat, params)):
                p.data = view.data
            self.flat16.append(flat)
            master = flat.detach().clone().float()
            master.requires_grad = True
            self.master.append(master)
        self.adam = torch.optim.AdamW([{"params": [m]} for m in self.master], lr=1e-5, betas=(0.9, 0.95), fused=True)
        # initialize_optimizer_states: a zero gradient and one step create exp_avg and exp_avg_sq.
        for m in self.master:
            m.grad = torch.zeros_like(m)
        self.adam.step()
        for m in self.master:
            m.grad = None

    def after_backward(self):
        # engine.allreduce_gradients -> buffered_allreduce_fallback: flatten buckets, scale, copy back.
        torch = self.torch
        grads = [p.grad for params in self.groups for p in params if p.grad is not None]
        bucket = []
        count = 0
        for grad in grads:
            bucket.append(grad)
            count += grad.numel()
            if count > ALLREDUCE_FALLBACK_ELEMENTS:
                self._reduce(bucket)
                bucket, count = [], 0
        if bucket:
            self._reduce(bucket)

    def _reduce(self, bucket):
        torch = self.torch
        flat = torch._utils._flatten_dense_tensors(bucket)
        flat.mul_(1.0)
        for grad, synced in zip(bucket, torch._utils._unflatten_dense_tensors(flat, bucket)):
            grad.copy_(synced)
        del flat

    def step(self):
        torch = self.torch
        # CheckOverflow.has_overflow_serial: one fp32 copy of each gradient at a time.
        for params in self.groups:
            for p in params:
                if p.grad is not None:
                    float(p.grad.data.float().sum())
        flats = []
        for i, params in enumerate(self.groups):
            flat = torch._utils._flatten_dense_tensors([torch.zeros(p.size(), dtype=torch.float32, device=p.device) if p.grad is None else p.grad.to(torch.float32) for p in params])
            self.master[i].grad = flat
            flats.append(flat)
            for p in params:
                p.grad = None
        norm = math.sqrt(sum(float(f.norm(2)) ** 2 for f in flats))
        clip = min(1.0, 1.0 / (norm + 1e-6))
        for f in flats:
            f.mul_(clip)
        del flats
        self.adam.step()
        for m in self.master:
            m.grad = None
        for i, params in enumerate(self.groups):
            for p, q in zip(params, torch._utils._unflatten_dense_tensors(self.master[i], params)):
                p.data.copy_(q.data)


class ZeroOptimizerEmulation:
    """DeepSpeedZeroOptimizer, stage 1/2 on one GPU with overlap_comm and contiguous_gradients, see the docstring."""

    def __init__(self, torch, groups, low_dtype):
        self.torch = torch
        self.groups = groups
        self.low_dtype = low_dtype
        self.flat16 = []
        self.master = []
        for params in groups:
            total = sum(p.numel() for p in params)
            padded = aligned_numel(total)
            tensors = [p.detach() for p in params]
            if padded > total:
                tensors.append(torch.zeros(padded - total, dtype=low_dtype, device="cuda"))
            flat = torch._utils._flatten_dense_tensors(tensors)
            for p, view in zip(params, torch._utils._unflatten_dense_tensors(flat, params)):
                p.data = view.data
            self.flat16.append(flat)
            master = flat.detach().clone().to(torch.float32)
            master.requires_grad = True
            self.master.append(master)
        # Adam's states appear at the first step (FusedAdam initialises them lazily).
        self.adam = torch.optim.AdamW([{"params": [m]} for m in self.master], lr=1e-5, betas=(0.9, 0.95), fused=True)
        self.trainable = [p for params in groups for p in params]
        self.partition_numel = sum(p.numel() for p in self.trainable)
        self.buffers = []
        self.buffer_index = 0
        self.in_bucket = []
        self.bucket_fill = 0
        self.partition = None
        self.partition_offset = 0
        self.hooks = [p.register_post_accumulate_grad_hook(self._grad_ready) for p in self.trainable]

    def before_backward(self):
        torch = self.torch
        self.buffers = [torch.empty(REDUCE_BUCKET_ELEMENTS, dtype=self.low_dtype, device="cuda") for _ in range(2)]
        self.buffer_index = 0
        self.in_bucket = []
        self.bucket_fill = 0

    def _grad_ready(self, param):
        numel = param.numel()
        if self.bucket_fill + numel > REDUCE_BUCKET_ELEMENTS:
            self._reduce_bucket()
        view = self.buffers[self.buffer_index].narrow(0, self.bucket_fill, numel)
        view.copy_(param.grad.view(-1))
        param.grad = view.view_as(param)
        self.in_bucket.append(param)
        self.bucket_fill += numel

    def _reduce_bucket(self):
        torch = self.torch
        if self.partition is None:
            self.partition = torch.empty(self.partition_numel, dtype=self.low_dtype, device="cuda")
            self.partition_offset = 0
        self.buffers[self.buffer_index].narrow(0, 0, self.bucket_fill).mul_(1.0)
        for param in self.in_bucket:
            numel = param.numel()
            target = self.partition.narrow(0, self.partition_offset, numel)
            target.copy_(param.grad.view(-1))
            param.grad = target.view_as(param)
            self.partition_offset += numel
        self.in_bucket = []
        self.bucket_fill = 0
        self.buffer_index = 1 - self.buffer_index

    def after_backward(self):
        if self.in_bucket:
            self._reduce_bucket()
        self.buffers = []
        self.partition = None  # the gradients still view it until step

    def step(self):
        torch = self.torch
        # check_overflow -> _has_inf_or_nan (lines 2283-2289): an fp32 copy and boolean masks of one gradient at a time.
        for params in self.groups:
            for p in params:
                if p.grad is not None:
                    float_x = p.grad.data.float()
                    nan = float_x.isnan()
                    inf = float_x.isinf()
                    inf_or_nan = nan.logical_or(inf)
                    float(inf_or_nan.float().max())
                    del float_x, nan, inf, inf_or_nan
        # scaled_global_norm -> get_grad_norm_direct (lines 1915-1925): each gradient copied to float64 for its norm.
        norm = math.sqrt(sum(float(torch.linalg.vector_norm(p.grad.data.double(), ord=2)) ** 2 for p in self.trainable if p.grad is not None))
        clip = min(1.0, 1.0 / (norm + 1e-6))
        for i, params in enumerate(self.groups):
            total = sum(p.numel() for p in params)
            padded = aligned_numel(total)
            tensors = [torch.zeros(p.size(), dtype=self.low_dtype, device="cuda") if p.grad is None else p.grad for p in params]
            if padded > total:
                tensors.append(torch.zeros(padded - total, dtype=self.low_dtype, device="cuda"))
            single = torch._utils._flatten_dense_tensors(tensors).to(torch.float32)
            self.master[i].grad = single
            for p in params:
                p.grad = None
            single.mul_(clip)
            del tensors
            self.adam.step()  # only the group with a gradient moves; fused AdamW skips params without grad
            self.master[i].grad = None
            del single
            self.flat16[i].copy_(self.master[i].data)


# --------------------------------------------------------------------------------------------------------------------


def measure_point(torch, point: Point, warmup: int, steps: int) -> dict:
    low_dtype = torch.float16 if point.dtype == "fp16" else torch.bfloat16
    torch.manual_seed(1234)
    model, wrapped, attention = build_model(torch, point)
    infos = param_infos(model)
    summary = summarize(point, infos, wrapped)
    named = dict(model.named_parameters())
    groups = [[named[name] for name in group] for group in optimizer_groups(infos)]
    # deepspeed.initialize: the module is cast to the training dtype, then the optimizer wrapper is built.
    model.to(low_dtype)
    optimizer = (ZeroOptimizerEmulation if point.zero_stage >= 1 else Fp16OptimizerEmulation)(torch, groups, low_dtype)
    if point.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": True})
    model.train()
    vocab = summary.vocab_rows
    batch = point.per_device_train_batch_size
    input_ids = torch.randint(0, vocab, (batch, point.max_seq_len), device="cuda")
    attention_mask = torch.ones_like(input_ids)
    gc.collect()
    torch.cuda.synchronize()

    # DS-Chat's loop keeps `outputs` (and so the 16-bit logits) alive through backward and step, and until the next
    # forward returns: `outputs = model(**batch, use_cache=False)` rebinds only after the call.
    held = {"outputs": None}

    def train_step(record):
        start = time.perf_counter()
        if record:
            torch.cuda.reset_peak_memory_stats()
        outputs = model(input_ids=input_ids, attention_mask=attention_mask, labels=input_ids, use_cache=False)
        held["outputs"] = outputs
        if record:
            torch.cuda.synchronize()
            peaks["forward"] = max(peaks["forward"], torch.cuda.max_memory_allocated())
            torch.cuda.reset_peak_memory_stats()
        loss = outputs.loss
        if hasattr(optimizer, "before_backward"):  # ZeRO's setup_buckets runs as backward starts
            optimizer.before_backward()
        # engine.backward: the fp16 optimizer scales loss.float(); the value does not change memory.
        (loss.float() * 1.0).backward()
        optimizer.after_backward()
        loss_value = float(loss.detach())
        if record:
            torch.cuda.synchronize()
            peaks["backward"] = max(peaks["backward"], torch.cuda.max_memory_allocated())
            torch.cuda.reset_peak_memory_stats()
        optimizer.step()
        torch.cuda.synchronize()
        if record:
            peaks["step"] = max(peaks["step"], torch.cuda.max_memory_allocated())
            peaks["reserved"] = max(peaks["reserved"], torch.cuda.max_memory_reserved())
        return time.perf_counter() - start, loss_value

    peaks = {"forward": 0, "backward": 0, "step": 0, "reserved": 0, "eval": 0}
    for _ in range(warmup):
        train_step(False)
    static_bytes = torch.cuda.memory_allocated()
    times = []
    loss_value = None
    for _ in range(steps):
        seconds, loss_value = train_step(True)
        times.append(seconds)
    # evaluation(): model.eval(), per_device_eval_batch_size rows under no_grad with labels; the last training
    # `outputs` is still alive (a local of main()), and each eval `outputs` lives until the next one returns.
    eval_ids = torch.randint(0, vocab, (point.per_device_eval_batch_size, point.max_seq_len), device="cuda")
    eval_mask = torch.ones_like(eval_ids)
    model.eval()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    eval_held = None
    with torch.no_grad():
        for _ in range(2):
            eval_held = model(input_ids=eval_ids, attention_mask=eval_mask, labels=eval_ids)
            float(eval_held.loss.float())
    torch.cuda.synchronize()
    peaks["eval"] = torch.cuda.max_memory_allocated()
    peaks["reserved"] = max(peaks["reserved"], torch.cuda.max_memory_reserved())
    del eval_held, eval_ids, eval_mask
    model.train()
    free, total = torch.cuda.mem_get_info()
    device_used = total - free
    reserved_now = torch.cuda.memory_reserved()
    result = {
        "key": point.key,
        "point": summary.point,
        "setup": {k: v for k, v in summary.to_json().items() if k != "point"},
        "attention": attention,
        "static_bytes": static_bytes,
        "peak_forward_bytes": peaks["forward"],
        "peak_backward_bytes": peaks["backward"],
        "peak_step_bytes": peaks["step"],
        "peak_eval_bytes": peaks["eval"],
        "max_memory_allocated": max(peaks["forward"], peaks["backward"], peaks["step"]),
        "max_memory_reserved": peaks["reserved"],
        "driver_context_bytes": device_used - reserved_now,
        "seconds_per_step": sum(times) / len(times),
        "tokens_per_second": batch * point.max_seq_len / (sum(times) / len(times)),
        "loss": loss_value,
    }
    if hasattr(optimizer, "hooks"):
        for hook in optimizer.hooks:
            hook.remove()
    held.clear()
    del model, optimizer, groups, named, input_ids, attention_mask
    return result


def environment(torch) -> dict:
    import transformers

    props = torch.cuda.get_device_properties(0)
    return {
        "gpu": props.name,
        "gpu_memory_bytes": props.total_memory,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "transformers": transformers.__version__,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grid", help="a JSON file: a list of points (fields of dschat_setup.Point); default: the built-in grid")
    parser.add_argument("--out", help="JSON Lines output, one object per point (appended as each point finishes)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--budget-seconds", type=float, default=0, help="stop starting new points after this many seconds (0: no limit)")
    parser.add_argument("--only", action="append", help="run only points whose key contains this text (repeatable)")
    parser.add_argument("--fail-fast", action="store_true", help="stop at the first point that fails, with its traceback")
    parser.add_argument("--print-grid", action="store_true", help="print the grid as JSON and exit (no torch needed)")
    args = parser.parse_args(argv)

    if args.grid:
        with open(args.grid, encoding="utf-8") as handle:
            raw = json.load(handle)
        grid = [load_point(entry) for entry in raw]
    else:
        grid = [load_point(entry) for entry in default_grid()]
    if args.only:
        grid = [p for p in grid if any(text in p.key for text in args.only)]
    if args.print_grid:
        print(json.dumps([{"key": p.key, "args": p.dschat_args(), "point": dict(p.__dict__)} for p in grid], indent=1))
        return 0
    torch, reason = import_torch()
    if torch is None:
        print(f"measure.py: skipped: {reason}", file=sys.stderr)
        return 3
    if not args.out:
        parser.error("--out is required to measure")
    env = environment(torch)
    print(json.dumps({"environment": env}), flush=True)
    started = time.time()
    with open(args.out, "a", encoding="utf-8") as out:
        out.write(json.dumps({"environment": env}) + "\n")
        for index, point in enumerate(grid):
            if args.budget_seconds and time.time() - started > args.budget_seconds:
                print(f"budget reached after {index} of {len(grid)} points", flush=True)
                break
            t0 = time.time()
            try:
                result = measure_point(torch, point, args.warmup, args.steps)
            except torch.cuda.OutOfMemoryError as error:
                result = {"key": point.key, "point": dict(point.__dict__), "error": f"out of memory: {str(error)[:200]}"}
            except Exception as error:  # a point that fails is reported, the others still run
                if args.fail_fast:
                    raise
                result = {"key": point.key, "point": dict(point.__dict__), "error": f"{type(error).__name__}: {str(error)[:500]}"}
            gc.collect()
            torch.cuda.empty_cache()
            result["wall_seconds"] = round(time.time() - t0, 2)
            result["leftover_bytes"] = torch.cuda.memory_allocated()
            out.write(json.dumps(result) + "\n")
            out.flush()
            summary = result.get("error") or f"alloc {result['max_memory_allocated'] / 2**30:.2f} GiB, {result['seconds_per_step'] * 1000:.0f} ms/step"
            print(f"[{index + 1}/{len(grid)}] {point.key}: {summary} ({result['wall_seconds']} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
