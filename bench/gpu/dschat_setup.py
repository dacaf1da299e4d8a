"""Settings -> model and optimizer set-up for the GPU memory benchmark, without torch.

Everything here is plain Python so that it can be tested on a machine without torch or a GPU
(`python3 -m unittest discover bench/gpu`). `measure.py` applies these decisions to a real model.

The rules are DS-Chat's at commit 83757d9c (DeepSpeedExamples, applications/DeepSpeed-Chat) and DeepSpeed's at v0.18.8,
the DeepSpeed that the SageMaker training images pin (PyTorch DLC 2.11+ pins deepspeed==0.18.8):
- vocabulary resize: dschat/utils/model/model_utils.py create_hf_model, `8 * math.ceil(len(tokenizer) / 8.0)`;
- LoRA: dschat/utils/module/lora.py convert_linear_layer_to_lora (every nn.Linear whose name contains
  `part_module_name`), LinearLayer_LoRA (right: in x r, left: r x out, the wrapped weight frozen, the bias not),
  only_optimize_lora_parameters (only lora_right_weight / lora_left_weight keep requires_grad);
- optimizer groups: dschat/utils/utils.py get_optimizer_grouped_parameters (decay / LoRA with lora_lr / no decay,
  empty groups dropped, only parameters with requires_grad);
- DeepSpeed's optimizer wrapper: deepspeed/runtime/engine.py _do_optimizer_sanity_check (v0.18.8 lines 1507-1552):
  ZeRO stage >= 1 -> DeepSpeedZeroOptimizer (BF16_Optimizer for bf16 at stage 1 only when grad_accum_dtype is fp32,
  which DS-Chat's config never sets); stage 0 with fp16 -> FP16_Optimizer; stage 0 with bf16 -> FP16_Optimizer with a
  bf16 low-precision dtype (DDP_BFLOAT16);
- buffers: MEMORY_OPT_ALLREDUCE_SIZE = 5e8 elements for the stage-0 gradient all-reduce fallback (engine.py
  buffered_allreduce_fallback / allreduce_no_retain), reduce_bucket_size = 5e8 elements (DeepSpeed's default; DS-Chat's
  ds_config does not set it) for the ZeRO-1/2 gradient buckets, two of them with DS-Chat's `overlap_comm: true`
  (stage_1_and_2.py setup_buckets, v0.18.8 lines 2291-2313).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS_DIR = os.path.join(HERE, "models")

#: DeepSpeed's default reduce_bucket_size and the all-reduce fallback's bucket, in elements.
REDUCE_BUCKET_ELEMENTS = 500_000_000
ALLREDUCE_FALLBACK_ELEMENTS = 500_000_000

#: The models of the benchmark: the config.json shipped beside this file, `len(tokenizer)` of the model's tokenizer
#: (OPT: GPT-2's 50,257 + fairseq's specials = 50,265; BLOOM: 250,680) and DS-Chat's usual --lora_module_name.
MODELS = {
    "facebook/opt-125m": {"dir": "opt-125m", "tokenizer_length": 50265, "lora_module_name": "decoder.layers."},
    "facebook/opt-350m": {"dir": "opt-350m", "tokenizer_length": 50265, "lora_module_name": "decoder.layers."},
    "facebook/opt-1.3b": {"dir": "opt-1.3b", "tokenizer_length": 50265, "lora_module_name": "decoder.layers."},
    "bigscience/bloomz-560m": {"dir": "bloomz-560m", "tokenizer_length": 250680, "lora_module_name": "h."},
}

NO_DECAY_NAMES = ("bias", "layer_norm.weight", "layernorm.weight", "norm.weight", "ln_f.weight")
LORA_NAMES = ("lora_right_weight", "lora_left_weight")


class SettingsError(ValueError):
    """A benchmark point that DS-Chat or this benchmark cannot run; the message names the field."""


@dataclass(frozen=True)
class Point:
    """One DS-Chat step-1 training configuration on one GPU (the flags of main.py that change memory)."""

    model: str
    per_device_train_batch_size: int
    max_seq_len: int = 512
    #: DS-Chat's default; evaluation() runs before the first epoch and after each one, with the optimizer built.
    per_device_eval_batch_size: int = 16
    zero_stage: int = 0
    dtype: str = "fp16"
    lora_dim: int = 0
    lora_module_name: str = ""
    only_optimize_lora: bool = False
    gradient_checkpointing: bool = False
    add_eot_token: bool = False
    #: "default" = what the installed transformers picks for the model; "eager" or "sdpa" to force one.
    attention: str = "default"

    @property
    def key(self) -> str:
        parts = [
            self.model.split("/")[-1],
            f"z{self.zero_stage}",
            self.dtype,
            f"b{self.per_device_train_batch_size}",
            f"s{self.max_seq_len}",
        ]
        if self.lora_dim:
            parts.append(f"lora{self.lora_dim}" + ("-only" if self.only_optimize_lora else ""))
        if self.gradient_checkpointing:
            parts.append("ckpt")
        if self.attention != "default":
            parts.append(self.attention)
        return "-".join(parts)

    def dschat_args(self) -> dict:
        """The DS-Chat main.py arguments of this point, as `dschat-studio plan` takes them."""
        args = {
            "model_name_or_path": self.model,
            "per_device_train_batch_size": self.per_device_train_batch_size,
            "per_device_eval_batch_size": self.per_device_eval_batch_size,
            "max_seq_len": self.max_seq_len,
            "zero_stage": self.zero_stage,
            "dtype": self.dtype,
            "lora_dim": self.lora_dim,
            "gradient_checkpointing": self.gradient_checkpointing,
            "only_optimize_lora": self.only_optimize_lora,
            "add_eot_token": self.add_eot_token,
        }
        if self.lora_dim:
            args["lora_module_name"] = self.lora_module_name
        return args


def load_point(raw: dict) -> Point:
    """Validates one grid entry; errors name the field and what DS-Chat accepts."""
    known = set(Point.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise SettingsError(f"unknown field(s) {unknown}; known: {sorted(known)}")
    values = dict(raw)
    model = values.get("model")
    if model not in MODELS:
        raise SettingsError(f"model {model!r}: this benchmark ships config.json files for {sorted(MODELS)}")
    for name in ("per_device_train_batch_size", "per_device_eval_batch_size", "max_seq_len", "lora_dim", "zero_stage"):
        if name in values and (not isinstance(values[name], int) or isinstance(values[name], bool)):
            raise SettingsError(f"{name} must be an integer, got {values[name]!r}")
    if values.get("per_device_train_batch_size", 0) < 1:
        raise SettingsError("per_device_train_batch_size must be >= 1")
    if values.get("per_device_eval_batch_size", 16) < 1:
        raise SettingsError("per_device_eval_batch_size must be >= 1")
    if values.get("max_seq_len", 512) < 2:
        raise SettingsError("max_seq_len must be >= 2")
    if values.get("zero_stage", 0) not in (0, 1, 2):
        raise SettingsError("zero_stage must be 0, 1 or 2: ZeRO-3 partitions parameters across GPUs and is not measured on one GPU here")
    if values.get("dtype", "fp16") not in ("fp16", "bf16"):
        raise SettingsError("dtype must be fp16 or bf16 (DS-Chat's --dtype choices)")
    if values.get("attention", "default") not in ("default", "eager", "sdpa"):
        raise SettingsError("attention must be default, eager or sdpa")
    if values.get("lora_dim", 0) < 0:
        raise SettingsError("lora_dim must be >= 0")
    if values.get("lora_dim", 0) > 0 and not values.get("lora_module_name"):
        values["lora_module_name"] = MODELS[model]["lora_module_name"]
    if values.get("only_optimize_lora") and not values.get("lora_dim"):
        raise SettingsError("only_optimize_lora needs lora_dim > 0 (DS-Chat ignores it otherwise)")
    return Point(**values)


def model_config(model: str) -> dict:
    with open(os.path.join(MODELS_DIR, MODELS[model]["dir"], "config.json"), encoding="utf-8") as handle:
        return json.load(handle)


def resized_vocab(model: str, add_eot_token: bool = False) -> int:
    """create_hf_model: model.resize_token_embeddings(8 * ceil(len(tokenizer) / 8)); --add_eot_token adds one token."""
    length = MODELS[model]["tokenizer_length"] + (1 if add_eot_token else 0)
    return 8 * math.ceil(length / 8.0)


def lora_wrapped(linear_names: list[str], part_module_name: str) -> list[str]:
    """convert_linear_layer_to_lora: every nn.Linear whose qualified name contains part_module_name (a substring test)."""
    return [name for name in linear_names if part_module_name in name]


@dataclass
class ParamInfo:
    name: str
    numel: int
    requires_grad: bool


def apply_lora_flags(params: list[ParamInfo], wrapped: list[str], lora_dim: int, shapes: dict[str, tuple[int, int]], only_optimize_lora: bool) -> list[ParamInfo]:
    """The parameter list after DS-Chat's LoRA conversion: each wrapped linear's weight frozen, right (in x r) and left
    (r x out) added; with only_optimize_lora every non-LoRA parameter frozen. `shapes` maps a linear to (out, in)."""
    result: list[ParamInfo] = []
    wrapped_weights = {f"{name}.weight" for name in wrapped}
    for param in params:
        frozen = param.name in wrapped_weights
        result.append(ParamInfo(param.name, param.numel, param.requires_grad and not frozen))
    for name in wrapped:
        out_features, in_features = shapes[name]
        result.append(ParamInfo(f"{name}.lora_right_weight", in_features * lora_dim, True))
        result.append(ParamInfo(f"{name}.lora_left_weight", lora_dim * out_features, True))
    if only_optimize_lora:
        result = [ParamInfo(p.name, p.numel, any(tag in p.name for tag in LORA_NAMES)) for p in result]
    return result


def optimizer_groups(params: list[ParamInfo]) -> list[list[str]]:
    """get_optimizer_grouped_parameters: decay (non-LoRA), LoRA (lora_lr), no-decay; trainable only; empty dropped."""
    decay = [p.name for p in params if p.requires_grad and not any(n in p.name.lower() for n in NO_DECAY_NAMES) and not any(n in p.name.lower() for n in LORA_NAMES)]
    lora = [p.name for p in params if p.requires_grad and not any(n in p.name.lower() for n in NO_DECAY_NAMES) and any(n in p.name.lower() for n in LORA_NAMES)]
    no_decay = [p.name for p in params if p.requires_grad and any(n in p.name.lower() for n in NO_DECAY_NAMES)]
    return [group for group in (decay, lora, no_decay) if group]


def deepspeed_optimizer(zero_stage: int, dtype: str) -> str:
    """The optimizer wrapper DeepSpeed v0.18.8 builds for DS-Chat's config (engine.py _do_optimizer_sanity_check)."""
    if zero_stage >= 1:
        return "DeepSpeedZeroOptimizer"
    return "FP16_Optimizer"


def allreduce_buckets(grad_numels: list[int], elements_per_bucket: int = ALLREDUCE_FALLBACK_ELEMENTS) -> list[int]:
    """allreduce_no_retain: tensors are added to a bucket until its element count exceeds the limit; the sizes of the
    flattened buckets (engine.py v0.18.8 lines 2997-3008)."""
    buckets: list[int] = []
    current = 0
    for numel in grad_numels:
        current += numel
        if current > elements_per_bucket:
            buckets.append(current)
            current = 0
    if current:
        buckets.append(current)
    return buckets


def aligned_numel(numel: int, world_size: int = 1, alignment_factor: int = 2) -> int:
    """flatten_dense_tensors_aligned pads the flat group to a multiple of nccl_start_alignment_factor x world size
    (stage_1_and_2.py: alignment = nccl_start_alignment_factor * dp world size, factor 2 for 16-bit)."""
    alignment = alignment_factor * world_size
    return int(math.ceil(numel / alignment) * alignment)


@dataclass
class SetupSummary:
    """What measure.py builds for a point, for its output and the tests."""

    point: dict
    vocab_rows: int
    optimizer: str
    params: int = 0
    trainable: int = 0
    lora_params: int = 0
    wrapped_linears: int = 0
    groups: list[int] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def summarize(point: Point, params: list[ParamInfo], wrapped: list[str]) -> SetupSummary:
    by_name = {p.name: p for p in params}
    groups = optimizer_groups(params)
    return SetupSummary(
        point=asdict(point),
        vocab_rows=resized_vocab(point.model, point.add_eot_token),
        optimizer=deepspeed_optimizer(point.zero_stage, point.dtype),
        params=sum(p.numel for p in params),
        trainable=sum(p.numel for p in params if p.requires_grad),
        lora_params=sum(p.numel for p in params if any(tag in p.name for tag in LORA_NAMES)),
        wrapped_linears=len(wrapped),
        groups=[sum(by_name[name].numel for name in group) for group in groups],
    )


def default_grid() -> list[dict]:
    """The benchmark grid: DS-Chat step 1, seq 512, on one GPU.

    Main grid (ZeRO-0, fp16, DS-Chat's defaults): 4 models x {full, LoRA 128, LoRA 128 + only_optimize_lora} x
    checkpointing off/on x batch 1, 4, 16. Then ZeRO-2 and ZeRO-1 (the buckets differ from ZeRO-0), bf16, eager
    attention for OPT (the attention kernel changes the activations most) and sequence lengths 256 and 1024. Ordered so that a run cut short still has
    every model and setting at one batch size."""
    models = list(MODELS)
    lora_settings = [
        {},
        {"lora_dim": 128},
        {"lora_dim": 128, "only_optimize_lora": True},
    ]
    grid: list[dict] = []
    for batch in (4, 1, 16):
        for model in models:
            for lora in lora_settings:
                for ckpt in (False, True):
                    grid.append({"model": model, "per_device_train_batch_size": batch, "gradient_checkpointing": ckpt, **lora})
    for model in models:
        for lora in lora_settings[:2]:
            for batch in (1, 8):
                grid.append({"model": model, "per_device_train_batch_size": batch, "zero_stage": 2, **lora})
        grid.append({"model": model, "per_device_train_batch_size": 4, "zero_stage": 1})
        grid.append({"model": model, "per_device_train_batch_size": 4, "dtype": "bf16"})
    for model in ("facebook/opt-350m", "facebook/opt-1.3b"):
        for ckpt in (False, True):
            grid.append({"model": model, "per_device_train_batch_size": 4, "gradient_checkpointing": ckpt, "attention": "eager"})
    # Other sequence lengths: the eager score term grows with s^2, the rest with s.
    for model in ("facebook/opt-1.3b", "bigscience/bloomz-560m"):
        for seq in (256, 1024):
            grid.append({"model": model, "per_device_train_batch_size": 4, "max_seq_len": seq, "lora_dim": 128})
    return [asdict(load_point(entry)) for entry in grid]


if __name__ == "__main__":
    print(json.dumps(default_grid(), indent=1))
