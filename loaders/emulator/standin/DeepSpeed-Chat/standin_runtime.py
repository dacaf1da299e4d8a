"""dschat-studio emulator: what a stand-in DS-Chat main.py does once DS-Chat's own argparse definitions accepted its
arguments. Everything here is SIMULATED and says so: it checks what a real run would trip over first (no --local_rank,
missing local/jsonfile data, a model folder without config.json, step 3's own validation), replays a DS-Chat log that
DeepSpeedExamples publishes, and saves a marker "model" (config.json + SIMULATED.txt, no weights) to --output_dir.
Standard library only."""
import gzip
import json
import os
import shutil
import sys
import time

SIMULATED = "[SIMULATED]"
ROOT = os.path.dirname(os.path.abspath(__file__))


def say(line):
    print(line, flush=True)


def validate_step3(args):
    """training/step3_rlhf_finetuning/main.py:385-394 at 83757d9c, after parse_args()."""
    if args.inference_tp_size > 1:
        assert (args.actor_zero_stage == 3), "Zero stage 3 must be used to do Tensor sharding in the hybrid engine"
    if args.actor_zero_stage == 2 and args.critic_zero_stage == 2 and args.enable_hybrid_engine and args.offload and args.actor_lora_dim == 0:
        raise ValueError(
            "The combination of [actor_zero_stage==2, critic_zero_stage==2, enable_hybrid_engine=True, offload=True, lora=False] is currently unsupported due to training instability!"
        )


def check_data(args):
    for name in args.data_path:
        if "local/jsonfile" in name:
            # dschat/utils/data/data_utils.py:68-76: <DS-Chat root>/data/train.json and eval.json
            train, evaluation = os.path.join(ROOT, "data", "train.json"), os.path.join(ROOT, "data", "eval.json")
            if not (os.path.isfile(train) and os.path.isfile(evaluation)):
                raise RuntimeError("Please check both the train.json and eval.json files in your applications/DeepSpeed-Chat/data directory.")
            counts = [count_rows(train), count_rows(evaluation)]
            say(f"{SIMULATED} local/jsonfile: {counts[0]} train rows, {counts[1]} eval rows in {os.path.join(ROOT, 'data')}")
        else:
            say(f"{SIMULATED} data_path {name}: a real job downloads it from the Hugging Face Hub (needs egress); not downloaded here")


def count_rows(path):
    """Rows of a JSON Lines file, or of one JSON array (both load with datasets' load_dataset('json'))."""
    with open(path, "rb") as handle:
        text = handle.read().decode("utf-8")
    if text.lstrip().startswith("["):
        return len(json.loads(text))
    return sum(1 for line in text.splitlines() if line.strip())


def lineage(path):
    """The job that produced a model folder (its SIMULATED.txt), or a description of where it comes from."""
    marker = os.path.join(path, "SIMULATED.txt")
    if os.path.isfile(marker):
        with open(marker) as handle:
            for line in handle:
                if line.startswith("job: "):
                    return line[len("job: "):].strip()
    return path


def check_models(args, script):
    fields = ["actor_model_name_or_path", "critic_model_name_or_path"] if script == "step3" else ["model_name_or_path"]
    found = {}
    for field in fields:
        path = getattr(args, field)
        if os.path.isabs(path):
            if not os.path.isfile(os.path.join(path, "config.json")):
                # what transformers' from_pretrained raises for a folder without a config
                raise OSError(f"{path} does not appear to have a file named config.json.")
            found[field] = {"path": path, "from": lineage(path)}
            say(f"{SIMULATED} {field}: model folder {path} (from {found[field]['from']})")
        else:
            found[field] = {"path": path, "from": path}
            say(f"{SIMULATED} {field}: a real job downloads {path} from the Hugging Face Hub (needs egress); not downloaded here")
    return found


def replay(log_name, rank):
    seconds = float(os.environ.get("DSCHAT_STANDIN_REPLAY_SECONDS", "5"))
    log_dir = os.environ.get("DSCHAT_STANDIN_LOG_DIR")
    if rank != 0:
        say(f"{SIMULATED} global rank {rank}: DS-Chat prints on global rank 0 only; this host waits for the replay ({seconds:.1f} s)")
        time.sleep(seconds)
        return
    if not log_dir or not os.path.isfile(os.path.join(log_dir, log_name)):
        say(f"{SIMULATED} no published log to replay ({log_name}); waiting {seconds:.1f} s")
        time.sleep(seconds)
        return
    path = os.path.join(log_dir, log_name)
    with (gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8")) as handle:
        lines = handle.read().splitlines()
    ticks = max(1, min(50, len(lines)))
    per_tick = (len(lines) + ticks - 1) // ticks
    say(f"{SIMULATED} replaying {len(lines)} lines of {log_name} over {seconds:.1f} s")
    for start in range(0, len(lines), per_tick):
        sys.stdout.write("\n".join(lines[start:start + per_tick]) + "\n")
        sys.stdout.flush()
        time.sleep(seconds / ticks)
    say(f"{SIMULATED} replay finished")


def write_model(folder, base, note_lines):
    os.makedirs(folder, exist_ok=True)
    source = os.path.join(base, "config.json") if os.path.isabs(base) else None
    if source and os.path.isfile(source):
        shutil.copyfile(source, os.path.join(folder, "config.json"))
    else:
        with open(os.path.join(folder, "config.json"), "w") as handle:
            json.dump({"_name_or_path": base, "dschat_studio_simulated": True}, handle, indent=2)
    with open(os.path.join(folder, "SIMULATED.txt"), "w") as handle:
        handle.write("\n".join(note_lines) + "\n")


def save(args, script, inputs):
    job = os.environ.get("TRAINING_JOB_NAME", "unknown")
    common = [
        "SIMULATED model written by dschat-studio's local emulator: no weights were trained (no pytorch_model.bin).",
        f"job: {job}",
        f"script: {script}",
    ]
    output = args.output_dir
    if script == "step3":
        # save_hf_format(..., sub_folder="actor"/"critic"/"actor_ema") at step3 main.py:639-648
        actor, critic = inputs["actor_model_name_or_path"], inputs["critic_model_name_or_path"]
        write_model(os.path.join(output, "actor"), actor["path"], common + [f"role: actor", f"actor from: {actor['from']}"])
        write_model(os.path.join(output, "critic"), critic["path"], common + [f"role: critic", f"critic from: {critic['from']}"])
        if args.enable_ema:
            write_model(os.path.join(output, "actor_ema"), actor["path"], common + ["role: actor_ema", f"actor from: {actor['from']}"])
    else:
        model = inputs["model_name_or_path"]
        write_model(output, model["path"], common + [f"base model: {model['from']}"])
    say(f"{SIMULATED} saved a marker model (config.json + SIMULATED.txt) to {output}")


def run(args, script, replay_log):
    rank = int(os.environ.get("RANK", "0"))
    say(f"{SIMULATED} stand-in for DS-Chat's {script} main.py: DS-Chat's argparse accepted the arguments. No GPU, no model; "
        f"the lines below replay DeepSpeed-Chat's published log {replay_log}.")
    say(f"{SIMULATED} arguments: " + json.dumps(vars(args), sort_keys=True, default=str))
    say(f"{SIMULATED} environment variables present: " + ", ".join(sorted(os.environ)))
    if args.local_rank == -1:
        # main.py calls deepspeed.init_distributed() only when --local_rank is given, then torch.distributed.get_rank()
        raise ValueError("Default process group has not been initialized, please make sure to call init_process_group.")
    check_data(args)
    inputs = check_models(args, script)
    replay(replay_log, rank)
    if rank == 0:
        save(args, script, inputs)
