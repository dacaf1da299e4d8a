#!/usr/bin/env python3
"""dschat-studio's entry point inside a SageMaker training container (script mode, Hugging Face PyTorch image, run by
the training toolkit under torchrun because the job sets sagemaker_torch_distributed_enabled=true).

It turns the job's JSON-encoded hyperparameters into DS-Chat's main.py arguments and runs that main.py in-process:
  * `step` (1, 2, "dpo" or 3) picks training/<step dir>/main.py; `flags` ("print_loss,gradient_checkpointing") and true
    booleans become bare --switches (argparse store_true cannot be spelled "--x True"); lists become --x a b;
  * --local_rank comes from torchrun's LOCAL_RANK (DS-Chat initialises torch.distributed only when it is passed);
  * --output_dir is $SM_MODEL_DIR (/opt/ml/model), the folder SageMaker uploads;
  * paths written as /opt/ml/input/data/<channel> are resolved through $SM_CHANNEL_<CHANNEL>; a model channel holding an
    earlier step's model.tar.gz is unpacked first (step 3's actor and critic);
  * data_path local/jsonfile reads <DS-Chat root>/data/{train,eval}.json, so that folder becomes a link to the `train`
    channel.
DS-Chat itself comes from, in this order: $DSCHAT_ROOT (a checkout already in the image), DeepSpeed-Chat/ next to this
file (`--dschat DIR` packed into sourcedir.tar.gz), or the pinned commit downloaded from GitHub (needs egress).
On failure it prints one clear message, writes it to /opt/ml/output/failure (SageMaker's FailureReason) and exits non-zero.
Standard library only."""
import io
import json
import os
import runpy
import shutil
import sys
import tarfile
import tempfile
import traceback
import urllib.request

PINNED_COMMIT = "83757d9c937daabd1089a08051061706cb73900d"
PINNED_ARCHIVE_URL = "https://codeload.github.com/deepspeedai/DeepSpeedExamples/tar.gz/" + PINNED_COMMIT
DSCHAT_SUBDIR = "applications/DeepSpeed-Chat"

STEP_DIRS = {
    "1": "training/step1_supervised_finetuning",
    "2": "training/step2_reward_model_finetuning",
    "dpo": "training/step2_dpo_finetuning",
    "3": "training/step3_rlhf_finetuning",
}
MODEL_ARGS = ("model_name_or_path", "actor_model_name_or_path", "critic_model_name_or_path")
LOCAL_JSONFILE = "local/jsonfile"
ML_PREFIX = "/opt/ml/"


class LauncherError(Exception):
    """A problem the user can fix: printed as one message, no traceback."""


# ---- hyperparameters ---------------------------------------------------------------------------------------------------

def read_hyperparameters(env):
    """The user hyperparameters, decoded: $SM_HPS (the toolkit's JSON of them), else hyperparameters.json decoded the way
    the toolkit does (json.loads per value, the raw string when that fails), without the sagemaker_ keys."""
    if env.get("SM_HPS"):
        return json.loads(env["SM_HPS"])
    config = env.get("SM_INPUT_CONFIG_DIR", "/opt/ml/input/config")
    path = os.path.join(config, "hyperparameters.json")
    try:
        with open(path) as handle:
            raw = json.load(handle)
    except FileNotFoundError:
        raise LauncherError(f"no hyperparameters: neither SM_HPS nor {path} exists (is this running inside a SageMaker job?)")
    decoded = {}
    for key, value in raw.items():
        if key.startswith("sagemaker_"):
            continue
        try:
            decoded[key] = json.loads(value)
        except (TypeError, ValueError):
            decoded[key] = value
    return decoded


def step_of(hps):
    step = hps.get("step")
    key = str(step).strip().lower() if step is not None else ""
    if key in ("2-dpo", "2_dpo", "step2_dpo"):
        key = "dpo"
    if key not in STEP_DIRS:
        raise LauncherError(f"hyperparameter step must be 1, 2, dpo or 3; got {step!r}")
    return key


def flags_of(value):
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    names = [str(item).strip() for item in items if str(item).strip()]
    for name in names:
        if not name.replace("_", "").replace("-", "").isalnum():
            raise LauncherError(f"hyperparameter flags holds {name!r}, which is not an argument name")
    return names


def channel_env_name(channel):
    return "SM_CHANNEL_" + channel.upper()


def resolve_ml_path(value, env):
    """A path SageMaker would mount (/opt/ml/input/data/<channel>/…, /opt/ml/model) → where it is here, through the SM_*
    variables (the same path on SageMaker; a temporary tree under the emulator or in tests)."""
    if not isinstance(value, str) or not value.startswith(ML_PREFIX):
        return value
    data = ML_PREFIX + "input/data/"
    if value.startswith(data):
        channel, _, rest = value[len(data):].partition("/")
        mounted = env.get(channel_env_name(channel))
        if mounted is None:
            raise LauncherError(f"{value} names input channel {channel!r}, but the job has no such channel")
        return os.path.join(mounted, rest) if rest else mounted
    if value.rstrip("/") == ML_PREFIX + "model" and env.get("SM_MODEL_DIR"):
        return env["SM_MODEL_DIR"]
    return value


def to_argv(hps, env, prepare_model=None):
    """Hyperparameters → DS-Chat argv (everything but step/flags, plus --output_dir and --local_rank), and notices."""
    argv = []
    notices = []
    for key, value in hps.items():
        if key in ("step", "flags") or key.startswith("sagemaker_"):
            continue
        if key == "local_rank":
            raise LauncherError("hyperparameter local_rank cannot be set: the launcher passes torchrun's LOCAL_RANK")
        if key == "output_dir":
            if resolve_ml_path(value, env) != model_dir(env):
                notices.append(f"output_dir {value!r} replaced by {model_dir(env)}: SageMaker uploads only that folder")
            continue
        flag = "--" + key
        if value is None or value is False:
            continue
        if value is True:
            argv.append(flag)
        elif isinstance(value, list):
            argv.append(flag)
            argv.extend(str(item) for item in value)
        elif isinstance(value, dict):
            raise LauncherError(f"hyperparameter {key} is a JSON object; DS-Chat arguments are strings, numbers, lists or true")
        else:
            text = str(value)
            if key in MODEL_ARGS:
                text = resolve_ml_path(text, env)
                if prepare_model is not None:
                    text = prepare_model(key, text)
            argv.extend([flag, text])
    for name in flags_of(hps.get("flags")):
        if name in ("local_rank", "output_dir"):
            raise LauncherError(f"flags cannot hold {name}")
        argv.append("--" + name)
    argv.extend(["--output_dir", model_dir(env)])
    local_rank = env.get("LOCAL_RANK")
    if local_rank is None:
        raise LauncherError("LOCAL_RANK is not set: sm_entry.py runs under torchrun; set the hyperparameter "
                            "sagemaker_torch_distributed_enabled=true")
    argv.extend(["--local_rank", str(int(local_rank))])
    return argv, notices


def data_paths(hps):
    value = hps.get("data_path")
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def model_dir(env):
    return env.get("SM_MODEL_DIR", "/opt/ml/model")


def output_dir(env):
    return env.get("SM_OUTPUT_DIR", "/opt/ml/output")


# ---- channels: models and data -------------------------------------------------------------------------------------------

def _check_members(members, dest):
    dest = os.path.realpath(dest)
    for member in members:
        target = os.path.realpath(os.path.join(dest, member.name))
        if target != dest and not target.startswith(dest + os.sep):
            raise LauncherError(f"archive member {member.name!r} would land outside {dest}")
        if member.issym() or member.islnk():
            base = os.path.dirname(target) if member.issym() else dest
            link = os.path.realpath(os.path.join(base, member.linkname))
            if not link.startswith(dest + os.sep):
                raise LauncherError(f"archive link {member.name!r} points outside {dest}")
    return members


def extract_tar(path_or_fileobj, dest, strip_prefix=None):
    """Extracts a (gzip) tar safely; with strip_prefix only the members under <top folder>/<strip_prefix>, re-rooted at
    dest (a GitHub archive has one top folder <repo>-<commit>/)."""
    kwargs = {"name": path_or_fileobj} if isinstance(path_or_fileobj, str) else {"fileobj": path_or_fileobj}
    with tarfile.open(mode="r:*", **kwargs) as archive:
        members = archive.getmembers()
        if strip_prefix is not None:
            kept = []
            for member in members:
                inner = "/".join(member.name.split("/")[1:])
                if inner.startswith(strip_prefix + "/"):
                    member.name = inner[len(strip_prefix) + 1:]
                    if member.name:
                        kept.append(member)
            members = kept
        _check_members(members, dest)
        if hasattr(tarfile, "data_filter"):
            archive.extractall(dest, members=members, filter="data")
        else:  # Python < 3.11.4
            archive.extractall(dest, members=members)


def _atomic_dir(final, fill):
    """Builds a folder with fill(tmp) and renames it into place; concurrent ranks keep whichever finished first."""
    if os.path.isdir(final):
        return final
    parent = os.path.dirname(final)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=os.path.basename(final) + ".", dir=parent)
    try:
        fill(tmp)
        try:
            os.rename(tmp, final)
        except OSError:
            if not os.path.isdir(final):
                raise
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def model_from_path(arg_name, path, work_dir):
    """A model argument's path → a folder from_pretrained can read: a channel holding model.tar.gz (an earlier step's
    output) is unpacked once per host; a folder whose only content is one subfolder with config.json is descended into."""
    if not isinstance(path, str) or not path.startswith("/"):
        return path  # a Hugging Face Hub name: DS-Chat downloads it
    archive = None
    if os.path.isfile(path) and path.endswith(".tar.gz"):
        archive = path
    elif os.path.isdir(path) and os.path.isfile(os.path.join(path, "model.tar.gz")):
        archive = os.path.join(path, "model.tar.gz")
    elif not os.path.exists(path):
        raise LauncherError(f"{arg_name} {path} does not exist")
    folder = path
    if archive:
        folder = _atomic_dir(os.path.join(work_dir, "models", arg_name), lambda tmp: extract_tar(archive, tmp))
    entries = [e for e in os.listdir(folder) if not e.startswith(".")]
    if not os.path.isfile(os.path.join(folder, "config.json")) and len(entries) == 1 and os.path.isfile(os.path.join(folder, entries[0], "config.json")):
        folder = os.path.join(folder, entries[0])
    return folder


def link_data(root, env):
    """DS-Chat's local/jsonfile reads <root>/data/train.json and eval.json (dschat/utils/data/data_utils.py:68-76)."""
    train = env.get("SM_CHANNEL_TRAIN")
    if not train:
        raise LauncherError("data_path uses local/jsonfile but the job has no `train` input channel holding train.json and eval.json")
    missing = [name for name in ("train.json", "eval.json") if not os.path.isfile(os.path.join(train, name))]
    if missing:
        raise LauncherError(f"the train channel ({train}) lacks {' and '.join(missing)}: upload a `dschat-studio convert` output folder")
    data = os.path.join(root, "data")
    if os.path.isdir(data) and not os.path.islink(data):
        raise LauncherError(f"the DS-Chat checkout at {root} already has a data/ folder; remove it (dschat-studio never packs it)")
    tmp = f"{data}.link-{os.getpid()}"
    try:
        os.symlink(train, tmp)
        os.replace(tmp, data)
    except OSError as error:
        raise LauncherError(f"cannot link {data} to the train channel ({error}); DS-Chat's root must be writable")
    return data


# ---- DS-Chat itself ------------------------------------------------------------------------------------------------------

def find_dschat(env, code_dir, step_dir):
    """(root, how): $DSCHAT_ROOT, else the bundled DeepSpeed-Chat/, else the pinned commit from GitHub."""
    bundled = os.path.join(code_dir, "DeepSpeed-Chat")
    image_root = env.get("DSCHAT_ROOT")
    notices = []
    if image_root:
        if os.path.isdir(bundled):
            notices.append(f"DSCHAT_ROOT is set, so the image's DS-Chat at {image_root} runs and the bundled DeepSpeed-Chat/ is ignored")
        root, how = image_root, f"the image ($DSCHAT_ROOT={image_root})"
    elif os.path.isdir(bundled):
        root, how = bundled, "the bundled checkout (DeepSpeed-Chat/ in sourcedir.tar.gz)"
    else:
        root = download_pinned(env)
        how = f"DeepSpeedExamples {PINNED_COMMIT[:8]} downloaded from {env.get('DSCHAT_ARCHIVE_URL', PINNED_ARCHIVE_URL)}"
    main_py = os.path.join(root, step_dir, "main.py")
    if not os.path.isfile(main_py):
        raise LauncherError(f"{main_py} does not exist: {how} is not a DeepSpeed-Chat checkout (applications/DeepSpeed-Chat)")
    return root, how, notices


def download_pinned(env):
    url = env.get("DSCHAT_ARCHIVE_URL", PINNED_ARCHIVE_URL)
    cache = env.get("DSCHAT_CACHE_DIR", os.path.join(tempfile.gettempdir(), "dschat-studio"))
    final = os.path.join(cache, "DeepSpeed-Chat-" + PINNED_COMMIT[:12])

    def fill(tmp):
        try:
            with urllib.request.urlopen(url, timeout=120) as response:
                payload = response.read()
        except Exception as error:  # noqa: BLE001 - any download failure gets the same advice
            raise LauncherError(
                f"could not download DS-Chat from {url} ({error}). The job needs egress to github.com for the pinned "
                "DS-Chat, or pass your checkout with --dschat DIR so it travels in sourcedir.tar.gz")
        extract_tar(io.BytesIO(payload), tmp, strip_prefix=DSCHAT_SUBDIR)

    return _atomic_dir(final, fill)


# ---- running main.py -----------------------------------------------------------------------------------------------------

class TailWriter(io.TextIOBase):
    """Passes writes through and keeps the last few KB, for the failure message (argparse writes its error to stderr)."""

    def __init__(self, stream, keep=4000):
        self.stream = stream
        self.keep = keep
        self.tail = ""

    def write(self, text):
        self.tail = (self.tail + text)[-self.keep:]
        return self.stream.write(text)

    def flush(self):
        self.stream.flush()

    def fileno(self):
        return self.stream.fileno()

    def isatty(self):
        return False


def write_failure(env, message):
    folder = output_dir(env)
    try:
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, f".failure-{os.getpid()}")
        with open(tmp, "w") as handle:
            handle.write(message)
        os.replace(tmp, os.path.join(folder, "failure"))
    except OSError:
        pass


def host_summary(env):
    hosts = json.loads(env.get("SM_HOSTS", '["algo-1"]'))
    current = env.get("SM_CURRENT_HOST", hosts[0])
    if current not in hosts:
        raise LauncherError(f"SM_CURRENT_HOST {current!r} is not among SM_HOSTS {hosts}")
    node = hosts.index(current)
    world = env.get("WORLD_SIZE", "?")
    return f"host {current} (node {node + 1} of {len(hosts)}), local rank {env.get('LOCAL_RANK', '?')}, global rank {env.get('RANK', '?')} of {world}"


def run(env, code_dir):
    hps = read_hyperparameters(env)
    step = step_of(hps)
    step_dir = STEP_DIRS[step]
    root, how, notices = find_dschat(env, code_dir, step_dir)
    work_dir = env.get("DSCHAT_WORK_DIR", os.path.join(tempfile.gettempdir(), "dschat-studio-work"))
    argv, mapping_notices = to_argv(hps, env, lambda name, path: model_from_path(name, path, work_dir))
    notices += mapping_notices
    if LOCAL_JSONFILE in data_paths(hps):
        link_data(root, env)
    elif env.get("SM_CHANNEL_TRAIN"):
        notices.append("a train channel was given but data_path does not include local/jsonfile: DS-Chat will not read it")
    main_py = os.path.join(root, step_dir, "main.py")
    if env.get("LOCAL_RANK", "0") == "0":
        print(f"[sm_entry] DS-Chat {step_dir}/main.py from {how}; {host_summary(env)}", flush=True)
        for notice in notices:
            print(f"[sm_entry] note: {notice}", flush=True)
        print("[sm_entry] main.py " + " ".join(argv), flush=True)
    sys.path.insert(0, root)
    os.chdir(root)
    sys.argv = [main_py] + argv
    runpy.run_path(main_py, run_name="__main__")


def main(env=None, code_dir=None):
    env = dict(os.environ) if env is None else env
    code_dir = code_dir or os.path.dirname(os.path.abspath(__file__))
    os.environ["PYTHONUNBUFFERED"] = "1"
    try:
        sys.stdout.reconfigure(line_buffering=True)
    except AttributeError:
        pass
    tail = TailWriter(sys.stderr)
    sys.stderr = tail
    try:
        run(env, code_dir)
        return 0
    except LauncherError as error:
        message = f"dschat-studio launcher: {error}"
        print(message, file=sys.stderr, flush=True)
        write_failure(env, message)
        return 2
    except SystemExit as done:
        code = done.code
        if code in (None, 0):
            return 0
        status = code if isinstance(code, int) else 1
        last = [line for line in tail.tail.strip().splitlines() if line.strip()]
        detail = last[-1] if last else (str(code) if not isinstance(code, int) else "no message")
        message = f"DS-Chat main.py exited with status {status}: {detail}"
        print(f"dschat-studio launcher: {message}", file=sys.stderr, flush=True)
        write_failure(env, message)
        return status
    except BaseException as error:  # noqa: BLE001 - report whatever DS-Chat raised, then fail the job
        traceback.print_exc()
        message = f"DS-Chat main.py raised {type(error).__name__}: {error}"
        print(f"dschat-studio launcher: {message}", file=sys.stderr, flush=True)
        write_failure(env, message)
        return 1
    finally:
        sys.stderr = tail.stream


if __name__ == "__main__":
    sys.exit(main())
