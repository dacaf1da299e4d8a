#!/usr/bin/env python3
"""Generates test/vectors/argparse-vectors.json: what DS-Chat's real argument parsers (DeepSpeedExamples 83757d9c,
applications/DeepSpeed-Chat/training/<step>/main.py parse_args, with DeepSpeed's add_config_arguments) answer to a set of
command lines — the parsed arguments, or argparse's exact error output (usage line included). The emulator's generated
stand-in parsers must answer the same (test/loaders/emulator-standin.test.ts).

Needs git clones of DeepSpeedExamples and DeepSpeed (read with `git show`; nothing is copied into the repository), named
by DSEXAMPLES_REPO and DEEPSPEED_REPO. Run from the repository root:
  DSEXAMPLES_REPO=path/to/DeepSpeedExamples DEEPSPEED_REPO=path/to/DeepSpeed python3 test/vectors/gen_argparse_vectors.py
parse_args needs transformers.SchedulerType only as argparse `type`; it is stood in for by a str Enum with the six
values DS-Chat's choices allow (so an out-of-list transformers scheduler such as inverse_sqrt is not covered)."""
import argparse
import ast
import contextlib
import enum
import io
import json
import os
import subprocess
import sys

def required_clone(variable: str, name: str) -> str:
    path = os.environ.get(variable)
    if not path:
        sys.exit(f"gen_argparse_vectors.py: set {variable} to a git clone of {name} (e.g. git clone https://github.com/deepspeedai/{name})")
    return path


DSEXAMPLES = required_clone("DSEXAMPLES_REPO", "DeepSpeedExamples")
DEEPSPEED = required_clone("DEEPSPEED_REPO", "DeepSpeed")
COMMIT = "83757d9c937daabd1089a08051061706cb73900d"
DEEPSPEED_TAG = "v0.16.0"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "argparse-vectors.json")

SCRIPTS = {
    "step1": "training/step1_supervised_finetuning/main.py",
    "step2-reward": "training/step2_reward_model_finetuning/main.py",
    "step2-dpo": "training/step2_dpo_finetuning/main.py",
    "step3": "training/step3_rlhf_finetuning/main.py",
}


def git_show(repo, rev, path):
    return subprocess.run(["git", "-C", repo, "show", f"{rev}:{path}"], check=True, capture_output=True, text=True).stdout


def function_source(source, name):
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_source_segment(source, node)
    raise SystemExit(f"no {name} in source")


class SchedulerType(str, enum.Enum):
    LINEAR = "linear"
    COSINE = "cosine"
    COSINE_WITH_RESTARTS = "cosine_with_restarts"
    POLYNOMIAL = "polynomial"
    CONSTANT = "constant"
    CONSTANT_WITH_WARMUP = "constant_with_warmup"


def deepspeed_stub():
    source = git_show(DEEPSPEED, DEEPSPEED_TAG, "deepspeed/__init__.py")
    namespace = {"argparse": argparse}
    exec(function_source(source, "_add_core_arguments"), namespace)
    exec(function_source(source, "add_config_arguments"), namespace)
    return type("deepspeed", (), {"add_config_arguments": staticmethod(namespace["add_config_arguments"])})


def real_parse_args(script_path):
    source = git_show(DSEXAMPLES, COMMIT, "applications/DeepSpeed-Chat/" + script_path)
    namespace = {"argparse": argparse, "SchedulerType": SchedulerType, "deepspeed": deepspeed_stub(), "SummaryWriter": lambda *a: None, "writer": None}
    exec(function_source(source, "parse_args"), namespace)
    return namespace["parse_args"]


def cases(script):
    required = ["--actor_model_name_or_path", "facebook/opt-1.3b", "--critic_model_name_or_path", "facebook/opt-350m"] if script == "step3" \
        else ["--model_name_or_path", "facebook/opt-1.3b"]
    batch = "--per_device_training_batch_size" if script == "step3" else "--per_device_train_batch_size"
    lr = "--actor_learning_rate" if script == "step3" else "--learning_rate"
    zero = "--actor_zero_stage" if script == "step3" else "--zero_stage"
    typical = required + ["--data_path", "local/jsonfile", lr, "9.65e-6", zero, "3", "--dtype", "bf16", "--offload",
                          "--lr_scheduler_type", "linear", "--output_dir", "/opt/ml/model", "--local_rank", "0", "--deepspeed"]
    out = [
        [],
        required + ["--lerning_rate", "1e-5"],
        required + [batch, "two"],
        required + ["--dtype", "fp32"],
        required + ["--lr_scheduler_type", "bogus"],
        required + [lr, "abc"],
        required + ["--data_path"],
        typical,
        typical + ["--data_path", "a/b", "c/d", "--seed", "7"],
    ]
    if script in ("step1", "step2-dpo"):
        out.append(required + ["--print_loss", "--local_rank", "3"])
    if script == "step1":
        out.append(required + ["--sft_only_data_path", "x", "--eot_token", "</s>", "--add_eot_token"])
    if script == "step2-reward":
        out.append(required + ["--print_loss"])
        out.append(required + ["--num_padding_at_beginning", "0", "--eval_interval", "10"])
    if script == "step2-dpo":
        out.append(required + ["--beta", "0.2", "--label_smoothing", "0.1", "--offload_reference_model"])
    if script == "step3":
        out.append(required + ["--inference_tp_size", "2"])
        out.append(required + ["--actor_zero_stage", "2", "--critic_zero_stage", "2", "--enable_hybrid_engine", "--offload"])
        out.append(required + ["--enable_ema", "--unsupervised_dataset_name", "x", "--unsup_coef", "10"])
    return out


def answer(parse_args, argv):
    saved = sys.argv
    sys.argv = ["main.py"] + argv
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            args = parse_args()
        return {"argv": argv, "namespace": json.loads(json.dumps(vars(args), default=str)), "exit": None, "stderr": "", "exception": None}
    except SystemExit as done:
        return {"argv": argv, "namespace": None, "exit": done.code, "stderr": stderr.getvalue(), "exception": None}
    except Exception as error:  # noqa: BLE001 - step 3 validates after parsing
        return {"argv": argv, "namespace": None, "exit": None, "stderr": stderr.getvalue(), "exception": f"{type(error).__name__}: {error}"}
    finally:
        sys.argv = saved


def main():
    result = {"generator": "test/vectors/gen_argparse_vectors.py", "dschat_commit": COMMIT, "deepspeed": DEEPSPEED_TAG, "python": sys.version.split()[0], "scripts": {}}
    for script, path in SCRIPTS.items():
        parse_args = real_parse_args(path)
        result["scripts"][script] = [answer(parse_args, argv) for argv in cases(script)]
    with open(OUT, "w") as handle:
        json.dump(result, handle, indent=1, sort_keys=True)
        handle.write("\n")
    for script, answers in result["scripts"].items():
        print(script, len(answers), "cases")


if __name__ == "__main__":
    main()
