"""Tests of the benchmark's settings -> model and optimizer set-up, runnable without torch or a GPU.

    python3 -m unittest discover -s bench/gpu -p 'test_*.py'

Expected values come from DS-Chat's source at 83757d9c and DeepSpeed's at v0.18.8 (cited per test), and from the
parameter counts torch reported on the GPU (bench/gpu/results/*.jsonl), not from this module's own output.
"""

import json
import math
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dschat_setup as setup  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")


def config_param_count(model: str, vocab_rows: int) -> int:
    """Parameters of the HF model built from the shipped config.json, written from the architectures' layer lists
    (OPTForCausalLM, BloomForCausalLM) with tied input/output embeddings."""
    c = setup.model_config(model)
    if c["model_type"] == "opt":
        h, f, layers, proj = c["hidden_size"], c["ffn_dim"], c["num_hidden_layers"], c["word_embed_proj_dim"]
        embeddings = vocab_rows * proj + (c["max_position_embeddings"] + 2) * h
        projections = 2 * proj * h if proj != h else 0
        final_norm = 2 * h if c["do_layer_norm_before"] else 0
        layer = 4 * (h * h + h) + 2 * h + (h * f + f) + (f * h + h) + 2 * h
        return embeddings + projections + final_norm + layers * layer
    h, layers = c["hidden_size"], c["n_layer"]
    layer = 2 * h + (3 * h * h + 3 * h) + (h * h + h) + 2 * h + (4 * h * h + 4 * h) + (4 * h * h + h)
    return vocab_rows * h + 2 * h + layers * layer + 2 * h


def linear_shapes(model: str) -> dict:
    """(out, in) of every nn.Linear of the model, by qualified name, as transformers names them."""
    c = setup.model_config(model)
    shapes = {}
    if c["model_type"] == "opt":
        h, f = c["hidden_size"], c["ffn_dim"]
        for i in range(c["num_hidden_layers"]):
            base = f"model.decoder.layers.{i}"
            for name in ("k_proj", "v_proj", "q_proj", "out_proj"):
                shapes[f"{base}.self_attn.{name}"] = (h, h)
            shapes[f"{base}.fc1"] = (f, h)
            shapes[f"{base}.fc2"] = (h, f)
        shapes["lm_head"] = (50272, c["word_embed_proj_dim"])
    else:
        h = c["hidden_size"]
        for i in range(c["n_layer"]):
            base = f"transformer.h.{i}"
            shapes[f"{base}.self_attention.query_key_value"] = (3 * h, h)
            shapes[f"{base}.self_attention.dense"] = (h, h)
            shapes[f"{base}.mlp.dense_h_to_4h"] = (4 * h, h)
            shapes[f"{base}.mlp.dense_4h_to_h"] = (h, 4 * h)
        shapes["lm_head"] = (250680, h)
    return shapes


class VocabularyTest(unittest.TestCase):
    def test_resize_to_multiple_of_eight(self):
        # model_utils.py create_hf_model: resize_token_embeddings(int(8 * math.ceil(len(tokenizer) / 8.0)))
        self.assertEqual(setup.resized_vocab("facebook/opt-1.3b"), 50272)
        self.assertEqual(setup.resized_vocab("facebook/opt-1.3b", add_eot_token=True), 50272)
        self.assertEqual(setup.resized_vocab("bigscience/bloomz-560m"), 250680)
        self.assertEqual(setup.resized_vocab("bigscience/bloomz-560m", add_eot_token=True), 250688)


class LoraTest(unittest.TestCase):
    def test_substring_rule(self):
        # lora.py convert_linear_layer_to_lora: `isinstance(module, nn.Linear) and part_module_name in name`
        opt = list(linear_shapes("facebook/opt-125m"))
        wrapped = setup.lora_wrapped(opt, "decoder.layers.")
        self.assertEqual(len(wrapped), 12 * 6)
        self.assertNotIn("lm_head", wrapped)
        bloom = list(linear_shapes("bigscience/bloomz-560m"))
        self.assertEqual(setup.lora_wrapped(bloom, "decoder.layers."), [])
        self.assertEqual(len(setup.lora_wrapped(bloom, "h.")), 24 * 4)

    def test_lora_parameters_and_freezing(self):
        # LinearLayer_LoRA: right (columns x r), left (r x rows), self.weight.requires_grad = False; the bias trains.
        shapes = {"blk.fc": (8, 4)}
        params = [setup.ParamInfo("blk.fc.weight", 32, True), setup.ParamInfo("blk.fc.bias", 8, True), setup.ParamInfo("emb.weight", 100, True)]
        after = setup.apply_lora_flags(params, ["blk.fc"], 2, shapes, only_optimize_lora=False)
        by_name = {p.name: p for p in after}
        self.assertFalse(by_name["blk.fc.weight"].requires_grad)
        self.assertTrue(by_name["blk.fc.bias"].requires_grad)
        self.assertEqual(by_name["blk.fc.lora_right_weight"].numel, 4 * 2)
        self.assertEqual(by_name["blk.fc.lora_left_weight"].numel, 2 * 8)
        # only_optimize_lora_parameters: only lora_right_weight / lora_left_weight keep requires_grad.
        only = {p.name: p.requires_grad for p in setup.apply_lora_flags(params, ["blk.fc"], 2, shapes, only_optimize_lora=True)}
        self.assertEqual([name for name, trains in only.items() if trains], ["blk.fc.lora_right_weight", "blk.fc.lora_left_weight"])

    def test_opt125m_lora_counts_match_torch(self):
        # The counts torch reported for the same settings on the GPU (results file), from our config-based layout.
        model = "facebook/opt-125m"
        vocab = setup.resized_vocab(model)
        shapes = linear_shapes(model)
        wrapped = setup.lora_wrapped(list(shapes), "decoder.layers.")
        lora = sum(128 * (out_f + in_f) for name, (out_f, in_f) in shapes.items() if name in wrapped)
        total = config_param_count(model, vocab) + lora
        measured = [r for r in load_results() if r.get("key") == "opt-125m-z0-fp16-b4-s512-lora128"]
        if not measured:
            self.skipTest("no measured results committed")
        self.assertEqual(measured[0]["setup"]["params"], total)
        self.assertEqual(measured[0]["setup"]["lora_params"], lora)


class OptimizerGroupsTest(unittest.TestCase):
    def test_dschat_groups(self):
        # utils.py get_optimizer_grouped_parameters: decay (not LoRA), LoRA (lora_lr), no-decay; empty groups dropped.
        params = [
            setup.ParamInfo("h.0.self_attention.dense.weight", 10, True),
            setup.ParamInfo("h.0.self_attention.dense.bias", 2, True),
            setup.ParamInfo("h.0.input_layernorm.weight", 2, True),
            setup.ParamInfo("h.0.self_attention.dense.lora_right_weight", 4, True),
            setup.ParamInfo("frozen.weight", 50, False),
        ]
        self.assertEqual(
            setup.optimizer_groups(params),
            [["h.0.self_attention.dense.weight"], ["h.0.self_attention.dense.lora_right_weight"], ["h.0.self_attention.dense.bias", "h.0.input_layernorm.weight"]],
        )
        self.assertEqual(setup.optimizer_groups([p for p in params if "lora" not in p.name])[1], ["h.0.self_attention.dense.bias", "h.0.input_layernorm.weight"])


class DeepSpeedTest(unittest.TestCase):
    def test_wrapper_choice(self):
        # engine.py _do_optimizer_sanity_check (v0.18.8): fp16/bf16 at stage 0 -> FP16_Optimizer; ZeRO -> ZeRO optimizer.
        self.assertEqual(setup.deepspeed_optimizer(0, "fp16"), "FP16_Optimizer")
        self.assertEqual(setup.deepspeed_optimizer(0, "bf16"), "FP16_Optimizer")
        self.assertEqual(setup.deepspeed_optimizer(1, "bf16"), "DeepSpeedZeroOptimizer")
        self.assertEqual(setup.deepspeed_optimizer(2, "fp16"), "DeepSpeedZeroOptimizer")

    def test_allreduce_buckets(self):
        # allreduce_no_retain appends until the count exceeds numel_per_bucket, then flushes that bucket.
        self.assertEqual(setup.allreduce_buckets([300, 300, 100], 500), [600, 100])
        self.assertEqual(setup.allreduce_buckets([100, 100], 500), [200])
        self.assertEqual(setup.allreduce_buckets([501], 500), [501])

    def test_alignment(self):
        # stage_1_and_2.py: nccl_start_alignment_factor = 2, alignment = factor x dp world size.
        self.assertEqual(setup.aligned_numel(7), 8)
        self.assertEqual(setup.aligned_numel(8), 8)
        self.assertEqual(setup.aligned_numel(9, world_size=4), 16)


class GridTest(unittest.TestCase):
    def test_default_grid(self):
        grid = setup.default_grid()
        keys = [setup.load_point(p).key for p in grid]
        self.assertEqual(len(keys), len(set(keys)))
        self.assertEqual(sorted({p["model"] for p in grid}), sorted(setup.MODELS))
        self.assertEqual(sorted({p["per_device_train_batch_size"] for p in grid}), [1, 4, 8, 16])
        self.assertEqual(sorted({p["max_seq_len"] for p in grid}), [256, 512, 1024])

    def test_rejects_what_dschat_rejects(self):
        with self.assertRaisesRegex(setup.SettingsError, "dtype"):
            setup.load_point({"model": "facebook/opt-125m", "per_device_train_batch_size": 1, "dtype": "fp32"})
        with self.assertRaisesRegex(setup.SettingsError, "zero_stage"):
            setup.load_point({"model": "facebook/opt-125m", "per_device_train_batch_size": 1, "zero_stage": 3})
        with self.assertRaisesRegex(setup.SettingsError, "model"):
            setup.load_point({"model": "facebook/opt-66b", "per_device_train_batch_size": 1})
        with self.assertRaisesRegex(setup.SettingsError, "integer"):
            setup.load_point({"model": "facebook/opt-125m", "per_device_train_batch_size": 1.5})
        point = setup.load_point({"model": "bigscience/bloomz-560m", "per_device_train_batch_size": 1, "lora_dim": 8})
        self.assertEqual(point.lora_module_name, "h.")

    def test_configs_give_published_sizes(self):
        # Published parameter counts of the Hub models (config.json vocab, before DS-Chat's resize).
        published = {"facebook/opt-125m": 125_239_296, "facebook/opt-350m": 331_196_416, "facebook/opt-1.3b": 1_315_758_080, "bigscience/bloomz-560m": 559_214_592}
        for model, count in published.items():
            vocab = setup.model_config(model)["vocab_size"]
            self.assertEqual(config_param_count(model, vocab), count, model)


def load_results():
    rows = []
    if not os.path.isdir(RESULTS):
        return rows
    for name in sorted(os.listdir(RESULTS)):
        if name.endswith(".jsonl"):
            with open(os.path.join(RESULTS, name), encoding="utf-8") as handle:
                rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


class MeasuredResultsTest(unittest.TestCase):
    def test_measured_counts_follow_the_configs(self):
        rows = [r for r in load_results() if "setup" in r]
        if not rows:
            self.skipTest("no measured results committed")
        for row in rows:
            point = setup.load_point(row["point"])
            if point.lora_dim:
                continue
            vocab = setup.resized_vocab(point.model, point.add_eot_token)
            self.assertEqual(row["setup"]["params"], config_param_count(point.model, vocab), row["key"])


class MeasureScriptTest(unittest.TestCase):
    def test_print_grid_needs_no_torch(self):
        out = subprocess.run([sys.executable, os.path.join(HERE, "measure.py"), "--print-grid", "--only", "opt-125m-z0-fp16-b1"], capture_output=True, text=True, check=True)
        points = json.loads(out.stdout)
        self.assertTrue(points and all("opt-125m-z0-fp16-b1" in p["key"] for p in points))
        self.assertEqual(points[0]["args"]["model_name_or_path"], "facebook/opt-125m")

    def test_measure_skips_with_reason_without_torch(self):
        try:
            import torch  # noqa: F401

            self.skipTest("torch is installed here; the skip path is not reachable")
        except ImportError:
            pass
        out = subprocess.run([sys.executable, os.path.join(HERE, "measure.py"), "--out", os.devnull, "--only", "opt-125m-z0-fp16-b1-s512"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 3)
        self.assertIn("skipped", out.stderr)


if __name__ == "__main__":
    unittest.main()
