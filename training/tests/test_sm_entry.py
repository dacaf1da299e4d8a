"""Unit tests of training/sm_entry.py: argument mapping, flag translation, channel wiring, multi-node environment, and the
whole launcher run in a subprocess against small DS-Chat look-alikes. Run: python3 -m unittest discover training/tests"""
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.dirname(HERE)
sys.path.insert(0, TRAINING)

import sm_entry  # noqa: E402

# A main.py shaped like DS-Chat's (argparse, store_true switches, nargs='*', required model) that records what it got.
FAKE_MAIN = textwrap.dedent('''
    import argparse, json, os, sys
    parser = argparse.ArgumentParser(description="look-alike")
    parser.add_argument("--data_path", nargs="*", default=["Dahoas/rm-static"])
    parser.add_argument("--model_name_or_path", type=str, required=True)
    parser.add_argument("--learning_rate", type=float, default=1e-3)
    parser.add_argument("--per_device_train_batch_size", type=int, default=16)
    parser.add_argument("--output_dir", type=str, default=None)
    parser.add_argument("--local_rank", type=int, default=-1)
    parser.add_argument("--print_loss", action="store_true")
    parser.add_argument("--gradient_checkpointing", action="store_true")
    parser.add_argument("--deepspeed", action="store_true")
    args = parser.parse_args()
    data = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "data")
    record = dict(vars(args), argv=sys.argv[1:], data=sorted(os.listdir(data)) if os.path.isdir(data) else None, cwd=os.getcwd())
    with open(os.path.join(args.output_dir, "record.json"), "w") as handle:
        json.dump(record, handle)
    print("trained", flush=True)
''')


def make_dschat(root, steps=("training/step1_supervised_finetuning",)):
    for step in steps:
        os.makedirs(os.path.join(root, step), exist_ok=True)
        with open(os.path.join(root, step, "main.py"), "w") as handle:
            handle.write(FAKE_MAIN)
    return root


class Tree:
    """An /opt/ml tree under a temporary folder, with the SM_* variables SageMaker would set."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        self.ml = os.path.join(self.root, "opt", "ml")
        for sub in ("model", "output", "input/config", "input/data", "code"):
            os.makedirs(os.path.join(self.ml, sub), exist_ok=True)
        self.env = {
            "SM_MODEL_DIR": os.path.join(self.ml, "model"),
            "SM_OUTPUT_DIR": os.path.join(self.ml, "output"),
            "SM_INPUT_CONFIG_DIR": os.path.join(self.ml, "input/config"),
            "SM_HOSTS": '["algo-1"]',
            "SM_CURRENT_HOST": "algo-1",
            "LOCAL_RANK": "0",
            "RANK": "0",
            "WORLD_SIZE": "1",
            "DSCHAT_WORK_DIR": os.path.join(self.root, "work"),
            "DSCHAT_CACHE_DIR": os.path.join(self.root, "cache"),
        }

    def channel(self, name, files):
        path = os.path.join(self.ml, "input/data", name)
        os.makedirs(path, exist_ok=True)
        for file_name, content in files.items():
            mode = "wb" if isinstance(content, bytes) else "w"
            with open(os.path.join(path, file_name), mode) as handle:
                handle.write(content)
        self.env["SM_CHANNEL_" + name.upper()] = path
        return path

    def close(self):
        self.tmp.cleanup()


def tar_gz(files, top=None):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo((top + "/" if top else "") + name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class HyperparameterTests(unittest.TestCase):
    def test_reads_sm_hps(self):
        self.assertEqual(sm_entry.read_hyperparameters({"SM_HPS": '{"step": 1, "flags": "print_loss"}'}), {"step": 1, "flags": "print_loss"})

    def test_decodes_hyperparameters_json_like_the_toolkit(self):
        tree = Tree()
        self.addCleanup(tree.close)
        with open(os.path.join(tree.env["SM_INPUT_CONFIG_DIR"], "hyperparameters.json"), "w") as handle:
            json.dump({"sagemaker_program": '"sm_entry.py"', "step": "1", "learning_rate": '"9.65e-6"', "zero_stage": "3",
                       "data_path": '["local/jsonfile", "Dahoas/rm-static"]', "raw": "not json", "on": "true"}, handle)
        hps = sm_entry.read_hyperparameters({"SM_INPUT_CONFIG_DIR": tree.env["SM_INPUT_CONFIG_DIR"]})
        self.assertEqual(hps, {"step": 1, "learning_rate": "9.65e-6", "zero_stage": 3,
                               "data_path": ["local/jsonfile", "Dahoas/rm-static"], "raw": "not json", "on": True})

    def test_step_selects_the_script(self):
        self.assertEqual([sm_entry.step_of({"step": s}) for s in (1, "2", "dpo", "2-dpo", 3)], ["1", "2", "dpo", "dpo", "3"])
        with self.assertRaisesRegex(sm_entry.LauncherError, "step must be 1, 2, dpo or 3"):
            sm_entry.step_of({"step": 4})


class ArgumentMappingTests(unittest.TestCase):
    env = {"SM_MODEL_DIR": "/opt/ml/model", "LOCAL_RANK": "3"}

    def test_values_lists_flags_output_and_local_rank(self):
        hps = {"step": 1, "model_name_or_path": "facebook/opt-1.3b", "data_path": ["a/b", "c/d"], "learning_rate": "9.65e-6",
               "per_device_train_batch_size": 4, "dropout": None, "offload": False, "enable_tensorboard": True,
               "flags": "print_loss,gradient_checkpointing"}
        argv, notices = sm_entry.to_argv(hps, self.env)
        self.assertEqual(argv, ["--model_name_or_path", "facebook/opt-1.3b", "--data_path", "a/b", "c/d", "--learning_rate", "9.65e-6",
                                "--per_device_train_batch_size", "4", "--enable_tensorboard", "--print_loss", "--gradient_checkpointing",
                                "--output_dir", "/opt/ml/model", "--local_rank", "3"])
        self.assertEqual(notices, [])

    def test_single_string_data_path_and_flag_list(self):
        argv, _ = sm_entry.to_argv({"data_path": "local/jsonfile", "flags": ["offload"]}, self.env)
        self.assertEqual(argv, ["--data_path", "local/jsonfile", "--offload", "--output_dir", "/opt/ml/model", "--local_rank", "3"])

    def test_output_dir_is_always_the_model_dir(self):
        argv, notices = sm_entry.to_argv({"output_dir": "./output/actor-models"}, self.env)
        self.assertEqual(argv, ["--output_dir", "/opt/ml/model", "--local_rank", "3"])
        self.assertIn("replaced by /opt/ml/model", notices[0])

    def test_refuses_what_the_launcher_owns_or_cannot_express(self):
        with self.assertRaisesRegex(sm_entry.LauncherError, "local_rank cannot be set"):
            sm_entry.to_argv({"local_rank": 0}, self.env)
        with self.assertRaisesRegex(sm_entry.LauncherError, "JSON object"):
            sm_entry.to_argv({"x": {"a": 1}}, self.env)
        with self.assertRaisesRegex(sm_entry.LauncherError, "not an argument name"):
            sm_entry.to_argv({"flags": "print_loss,--rm -rf"}, self.env)
        with self.assertRaisesRegex(sm_entry.LauncherError, "LOCAL_RANK is not set"):
            sm_entry.to_argv({}, {"SM_MODEL_DIR": "/opt/ml/model"})


class ChannelTests(unittest.TestCase):
    def setUp(self):
        self.tree = Tree()
        self.addCleanup(self.tree.close)

    def test_ml_paths_resolve_through_sm_channel_variables(self):
        actor = self.tree.channel("actor", {"config.json": "{}"})
        self.assertEqual(sm_entry.resolve_ml_path("/opt/ml/input/data/actor", self.tree.env), actor)
        self.assertEqual(sm_entry.resolve_ml_path("/opt/ml/input/data/actor/sub", self.tree.env), os.path.join(actor, "sub"))
        self.assertEqual(sm_entry.resolve_ml_path("facebook/opt-350m", self.tree.env), "facebook/opt-350m")
        with self.assertRaisesRegex(sm_entry.LauncherError, "no such channel"):
            sm_entry.resolve_ml_path("/opt/ml/input/data/critic", self.tree.env)

    def test_step3_models_from_earlier_steps_model_tar_gz(self):
        self.tree.channel("actor", {"model.tar.gz": tar_gz({"config.json": '{"m": "actor"}', "pytorch_model.bin": "w"})})
        self.tree.channel("critic", {"model.tar.gz": tar_gz({"config.json": '{"m": "critic"}'}, top="critic-model")})
        hps = {"actor_model_name_or_path": "/opt/ml/input/data/actor", "critic_model_name_or_path": "/opt/ml/input/data/critic"}
        work = self.tree.env["DSCHAT_WORK_DIR"]
        argv, _ = sm_entry.to_argv(hps, self.tree.env, lambda name, path: sm_entry.model_from_path(name, path, work))
        actor = argv[argv.index("--actor_model_name_or_path") + 1]
        critic = argv[argv.index("--critic_model_name_or_path") + 1]
        with open(os.path.join(actor, "config.json")) as handle:
            self.assertEqual(json.load(handle), {"m": "actor"})
        with open(os.path.join(critic, "config.json")) as handle:
            self.assertEqual(json.load(handle), {"m": "critic"})  # descended into the archive's single folder
        again = sm_entry.model_from_path("actor_model_name_or_path", self.tree.env["SM_CHANNEL_ACTOR"], work)
        self.assertEqual(again, actor, "unpacked once per host")

    def test_model_archive_cannot_escape(self):
        self.tree.channel("model", {"model.tar.gz": tar_gz({"../evil.txt": "x"})})
        with self.assertRaisesRegex(sm_entry.LauncherError, "outside"):
            sm_entry.model_from_path("model_name_or_path", self.tree.env["SM_CHANNEL_MODEL"], self.tree.env["DSCHAT_WORK_DIR"])

    def test_train_channel_becomes_dschat_data(self):
        root = make_dschat(os.path.join(self.tree.root, "dschat"))
        train = self.tree.channel("train", {"train.json": "{}\n", "eval.json": "{}\n"})
        data = sm_entry.link_data(root, self.tree.env)
        self.assertEqual(os.path.realpath(data), os.path.realpath(train))
        self.assertEqual(sm_entry.link_data(root, self.tree.env), data, "linking twice (several local ranks) is fine")

    def test_train_channel_must_hold_both_files(self):
        root = make_dschat(os.path.join(self.tree.root, "dschat"))
        with self.assertRaisesRegex(sm_entry.LauncherError, "no `train` input channel"):
            sm_entry.link_data(root, self.tree.env)
        self.tree.channel("train", {"train.json": "{}\n"})
        with self.assertRaisesRegex(sm_entry.LauncherError, "lacks eval.json"):
            sm_entry.link_data(root, self.tree.env)

    def test_existing_data_folder_is_not_overwritten(self):
        root = make_dschat(os.path.join(self.tree.root, "dschat"))
        os.makedirs(os.path.join(root, "data"))
        self.tree.channel("train", {"train.json": "", "eval.json": ""})
        with self.assertRaisesRegex(sm_entry.LauncherError, "already has a data/ folder"):
            sm_entry.link_data(root, self.tree.env)


class MultiNodeTests(unittest.TestCase):
    def test_host_summary_and_local_rank_on_the_second_node(self):
        env = {"SM_HOSTS": '["algo-1", "algo-2"]', "SM_CURRENT_HOST": "algo-2", "LOCAL_RANK": "5", "RANK": "13", "WORLD_SIZE": "16",
               "SM_MODEL_DIR": "/opt/ml/model"}
        self.assertEqual(sm_entry.host_summary(env), "host algo-2 (node 2 of 2), local rank 5, global rank 13 of 16")
        argv, _ = sm_entry.to_argv({}, env)
        self.assertEqual(argv[-2:], ["--local_rank", "5"], "DS-Chat gets the local rank, not the global one")

    def test_unknown_current_host(self):
        with self.assertRaisesRegex(sm_entry.LauncherError, "not among SM_HOSTS"):
            sm_entry.host_summary({"SM_HOSTS": '["algo-1"]', "SM_CURRENT_HOST": "algo-9"})


class LauncherRunTests(unittest.TestCase):
    """The launcher as SageMaker runs it: python3 sm_entry.py in /opt/ml/code, in its own process."""

    def setUp(self):
        self.tree = Tree()
        self.addCleanup(self.tree.close)
        self.code = os.path.join(self.tree.ml, "code")
        with open(os.path.join(TRAINING, "sm_entry.py")) as source, open(os.path.join(self.code, "sm_entry.py"), "w") as copy:
            copy.write(source.read())
        self.tree.channel("train", {"train.json": '{"prompt": "a", "chosen": "b", "rejected": null}\n', "eval.json": ""})

    def launch(self, hps, extra_env=None):
        env = dict(self.tree.env, SM_HPS=json.dumps(hps), PATH=os.environ.get("PATH", ""), **(extra_env or {}))
        return subprocess.run([sys.executable, os.path.join(self.code, "sm_entry.py")], env=env, cwd=self.code,
                              capture_output=True, text=True, timeout=60)

    def record(self):
        with open(os.path.join(self.tree.env["SM_MODEL_DIR"], "record.json")) as handle:
            return json.load(handle)

    def test_runs_the_image_checkout_with_the_mapped_arguments(self):
        root = make_dschat(os.path.join(self.tree.root, "image-dschat"))
        done = self.launch({"step": 1, "model_name_or_path": "facebook/opt-125m", "data_path": "local/jsonfile",
                            "learning_rate": "9.65e-6", "flags": "print_loss"}, {"DSCHAT_ROOT": root})
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("[sm_entry] DS-Chat training/step1_supervised_finetuning/main.py from the image", done.stdout)
        self.assertIn("trained", done.stdout)
        record = self.record()
        self.assertEqual(record["learning_rate"], 9.65e-6)
        self.assertTrue(record["print_loss"])
        self.assertEqual(record["local_rank"], 0)
        self.assertEqual(record["data"], ["eval.json", "train.json"])
        self.assertEqual(os.path.realpath(record["cwd"]), os.path.realpath(root))

    def test_runs_the_bundled_checkout(self):
        make_dschat(os.path.join(self.code, "DeepSpeed-Chat"))
        done = self.launch({"step": 1, "model_name_or_path": "m", "data_path": "local/jsonfile"})
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("from the bundled checkout", done.stdout)

    def test_downloads_the_pinned_commit_when_nothing_else_is_there(self):
        archive = os.path.join(self.tree.root, "pinned.tar.gz")
        with open(archive, "wb") as handle:
            handle.write(tar_gz({"applications/DeepSpeed-Chat/training/step1_supervised_finetuning/main.py": FAKE_MAIN,
                                 "applications/other/x.py": "print(1)"}, top="DeepSpeedExamples-83757d9c"))
        done = self.launch({"step": 1, "model_name_or_path": "m", "data_path": "local/jsonfile"}, {"DSCHAT_ARCHIVE_URL": "file://" + archive})
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("downloaded from file://", done.stdout)
        cached = os.listdir(self.tree.env["DSCHAT_CACHE_DIR"])
        self.assertEqual(cached, ["DeepSpeed-Chat-83757d9c937d"])
        self.assertFalse(os.path.exists(os.path.join(self.tree.env["DSCHAT_CACHE_DIR"], cached[0], "other")))

    def test_a_download_failure_says_which_egress_is_missing(self):
        done = self.launch({"step": 1, "model_name_or_path": "m"}, {"DSCHAT_ARCHIVE_URL": "file:///nonexistent/archive.tar.gz"})
        self.assertEqual(done.returncode, 2)
        self.assertIn("needs egress to github.com", done.stderr)

    def test_a_misspelt_argument_fails_with_argparse_message_in_the_failure_file(self):
        root = make_dschat(os.path.join(self.tree.root, "image-dschat"))
        done = self.launch({"step": 1, "model_name_or_path": "m", "lerning_rate": "1e-5"}, {"DSCHAT_ROOT": root})
        self.assertEqual(done.returncode, 2)
        self.assertIn("main.py: error: unrecognized arguments: --lerning_rate 1e-5", done.stderr)
        with open(os.path.join(self.tree.env["SM_OUTPUT_DIR"], "failure")) as handle:
            failure = handle.read()
        self.assertEqual(failure, "DS-Chat main.py exited with status 2: main.py: error: unrecognized arguments: --lerning_rate 1e-5")

    def test_a_launcher_problem_is_one_message(self):
        root = make_dschat(os.path.join(self.tree.root, "image-dschat"))
        done = self.launch({"step": 7}, {"DSCHAT_ROOT": root})
        self.assertEqual(done.returncode, 2)
        self.assertEqual(done.stderr.strip(), "dschat-studio launcher: hyperparameter step must be 1, 2, dpo or 3; got 7")
        self.assertNotIn("Traceback", done.stderr)

    def test_an_exception_in_main_fails_the_job_with_its_message(self):
        root = os.path.join(self.tree.root, "broken")
        os.makedirs(os.path.join(root, "training/step1_supervised_finetuning"))
        with open(os.path.join(root, "training/step1_supervised_finetuning/main.py"), "w") as handle:
            handle.write("raise RuntimeError('CUDA out of memory')\n")
        done = self.launch({"step": 1}, {"DSCHAT_ROOT": root})
        self.assertEqual(done.returncode, 1)
        with open(os.path.join(self.tree.env["SM_OUTPUT_DIR"], "failure")) as handle:
            self.assertEqual(handle.read(), "DS-Chat main.py raised RuntimeError: CUDA out of memory")


if __name__ == "__main__":
    unittest.main()
