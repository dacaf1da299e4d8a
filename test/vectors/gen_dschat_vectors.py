#!/usr/bin/env python3
"""Generates the expected DS-Chat outputs the TypeScript tests compare against, from a literal transcription of
DS-Chat's own functions (DeepSpeedExamples commit 83757d9c, applications/DeepSpeed-Chat):

  test/vectors/dschat-templates.json  the five strings (get_prompt, get_chosen, get_rejected, get_prompt_and_chosen,
                                      get_prompt_and_rejected) every built-in dataset class of
                                      dschat/utils/data/raw_datasets.py returns for each hand-made raw row in
                                      test/fixtures/formats/dschat/, or the exception it raises;
  test/vectors/ds-config-vectors.json the DeepSpeed config dicts of dschat/utils/ds_utils.py, patched as each step's
                                      main.py and dschat/rlhf/rlhf_engine.py patch them, over a grid of
                                      (step, ZeRO stage, dtype, offload, batch, gradient accumulation, GPUs).

Run from the repository root: python3 test/vectors/gen_dschat_vectors.py
Needs python3 only (no network, no `datasets`, no torch); the tests read the committed JSON files.
"""
import itertools
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "formats", "dschat")
COMMIT = "deepspeedai/DeepSpeedExamples@83757d9c, applications/DeepSpeed-Chat"


# ---- dschat/utils/data/raw_datasets.py, transcribed ---------------------------------------------------------------
# Each class keeps DS-Chat's method bodies; `sample` is one raw row as `datasets` would hand it over (a dict).
# The constructors (load_dataset, dataset_name_clean) and get_train_data/get_eval_data play no part in the strings.

class DahoasRmstaticDataset:  # raw_datasets.py:51-77
    dataset_name = "Dahoas/rm-static"

    def get_prompt(self, sample):
        return sample['prompt']

    def get_chosen(self, sample):
        return sample['chosen']

    def get_rejected(self, sample):
        return sample['rejected']

    def get_prompt_and_chosen(self, sample):
        return sample['prompt'] + sample['chosen']

    def get_prompt_and_rejected(self, sample):
        return sample['prompt'] + sample['rejected']


class DahoasFullhhrlhfDataset(DahoasRmstaticDataset):  # raw_datasets.py:81-107 (the same five bodies)
    dataset_name = "Dahoas/full-hh-rlhf"


class DahoasSyntheticinstructgptjpairwiseDataset:  # raw_datasets.py:111-152
    dataset_name = "Dahoas/synthetic-instruct-gptj-pairwise"

    def get_prompt(self, sample):
        return " Human: " + sample['prompt'] + " Assistant:"

    def get_chosen(self, sample):
        return " " + sample['chosen']

    def get_rejected(self, sample):
        return " " + sample['rejected']

    def get_prompt_and_chosen(self, sample):
        return " Human: " + sample['prompt'] + " Assistant: " + sample['chosen']

    def get_prompt_and_rejected(self, sample):
        return " Human: " + sample['prompt'] + " Assistant: " + sample['rejected']


class YitingxieRlhfrewarddatasetsDataset:  # raw_datasets.py:156-182
    dataset_name = "yitingxie/rlhf-reward-datasets"

    def get_prompt(self, sample):
        return sample['prompt'] + "Assistant:"

    def get_chosen(self, sample):
        return sample['chosen'].split("Assistant:")[-1]

    def get_rejected(self, sample):
        return sample['rejected'].split("Assistant:")[-1]

    def get_prompt_and_chosen(self, sample):
        return sample['prompt'] + sample['chosen']

    def get_prompt_and_rejected(self, sample):
        return sample['prompt'] + sample['rejected']


class OpenaiWebgptcomparisonsDataset:  # raw_datasets.py:186-255
    dataset_name = "openai/webgpt_comparisons"

    def get_prompt(self, sample):
        return " Human: " + sample['question']['full_text'] + " Assistant:"

    def get_chosen(self, sample):
        if float(sample['score_0']) >= float(sample['score_1']):
            response = sample['answer_0']
        else:
            response = sample['answer_1']
        response = re.sub(r" [\(\[].*?[\)\]]", "", response)
        response = re.sub(r"[\(\[].*?[\)\]]", "", response)
        return " " + response

    def get_rejected(self, sample):
        if float(sample['score_0']) < float(sample['score_1']):
            response = sample['answer_0']
        else:
            response = sample['answer_1']
        response = re.sub(r" [\(\[].*?[\)\]]", "", response)
        response = re.sub(r"[\(\[].*?[\)\]]", "", response)
        return " " + response

    def get_prompt_and_chosen(self, sample):
        if float(sample['score_0']) >= float(sample['score_1']):
            response = sample['answer_0']
        else:
            response = sample['answer_1']
        response = re.sub(r" [\(\[].*?[\)\]]", "", response)
        response = re.sub(r"[\(\[].*?[\)\]]", "", response)
        return " Human: " + sample['question']['full_text'] + " Assistant: " + response

    def get_prompt_and_rejected(self, sample):
        if float(sample['score_0']) < float(sample['score_1']):
            response = sample['answer_0']
        else:
            response = sample['answer_1']
        response = re.sub(r" [\(\[].*?[\)\]]", "", response)
        response = re.sub(r"[\(\[].*?[\)\]]", "", response)
        return " Human: " + sample['question']['full_text'] + " Assistant: " + response


class StanfordnlpSHPDataset:  # raw_datasets.py:259-301
    dataset_name = "stanfordnlp/SHP"

    def get_prompt(self, sample):
        return " Human: " + sample['history'] + " Assistant:"

    def get_chosen(self, sample):
        if int(sample["labels"]) == 1:
            response = sample["human_ref_A"]
        else:
            response = sample["human_ref_B"]
        return " " + response

    def get_rejected(self, sample):
        if int(sample["labels"]) == 1:
            response = sample["human_ref_B"]
        else:
            response = sample["human_ref_A"]
        return " " + response

    def get_prompt_and_chosen(self, sample):
        if int(sample["labels"]) == 1:
            response = sample["human_ref_A"]
        else:
            response = sample["human_ref_B"]
        return " Human: " + sample['history'] + " Assistant: " + response

    def get_prompt_and_rejected(self, sample):
        if int(sample["labels"]) == 1:
            response = sample["human_ref_B"]
        else:
            response = sample["human_ref_A"]
        return " Human: " + sample['history'] + " Assistant: " + response


class PvduySharegptalpacaoavicunaformatDataset:  # raw_datasets.py:305-346 (the print() warnings left out)
    dataset_name = "pvduy/sharegpt_alpaca_oa_vicuna_format"

    def get_prompt(self, sample):
        if sample['prompt'] is not None and len(sample['prompt']) > 0:
            return sample['prompt'].replace("USER", "Human").replace("ASSISTANT", "Assistant")
        return None

    def get_chosen(self, sample):
        if sample['label'] is not None and len(sample['label']) > 0:
            return " " + sample['label']
        return None

    def get_rejected(self, sample):
        return None

    def get_prompt_and_chosen(self, sample):
        if sample['prompt'] is not None and sample['label'] is not None and len(sample['prompt']) > 0 and len(sample['label']) > 0:
            return sample['prompt'].replace("USER", "Human").replace("ASSISTANT", "Assistant") + " " + sample['label']
        return None

    def get_prompt_and_rejected(self, sample):
        return None


class LocalJsonFileDataset:  # raw_datasets.py:349-400
    dataset_name = "local/jsonfile"

    def get_prompt(self, sample):
        if sample['prompt'] is not None:
            return " " + sample['prompt']
        return None

    def get_chosen(self, sample):
        if sample['chosen'] is not None:
            return " " + sample['chosen']
        return None

    def get_rejected(self, sample):
        if sample['rejected'] is not None:
            return " " + sample['rejected']
        return None

    def get_prompt_and_chosen(self, sample):
        if sample['prompt'] is not None and sample['chosen'] is not None:
            return " " + sample['prompt'] + " " + sample['chosen']
        return None

    def get_prompt_and_rejected(self, sample):
        if sample['prompt'] is not None and sample['rejected'] is not None:
            return " " + sample['prompt'] + " " + sample['rejected']
        return None


class Wangrui6ZhihuKOLDataset:  # raw_datasets.py:404-457
    dataset_name = "wangrui6/Zhihu-KOL"

    def get_prompt(self, sample):
        if sample['INSTRUCTION'] is not None:
            return " Human: " + sample['INSTRUCTION'] + " Assistant:"
        return None

    def get_chosen(self, sample):
        if sample['RESPONSE'] is not None:
            return " " + sample['RESPONSE']
        return None

    def get_rejected(self, sample):
        return None

    def get_prompt_and_chosen(self, sample):
        if sample['INSTRUCTION'] is not None and sample['RESPONSE'] is not None:
            return " Human: " + sample['INSTRUCTION'] + " Assistant: " + sample['RESPONSE']
        return None

    def get_prompt_and_rejected(self, sample):
        return None


class CohereMiraclzhqueries2212Dataset:  # raw_datasets.py:461-489
    dataset_name = "Cohere/miracl-zh-queries-22-12"

    def get_prompt(self, sample):
        return " Human: " + sample['query'] + " Assistant:"

    def get_chosen(self, sample):
        return " " + sample['positive_passages'][0]['text']

    def get_rejected(self, sample):
        return " " + sample['negative_passages'][0]['text']

    def get_prompt_and_chosen(self, sample):
        return " Human: " + sample['query'] + " Assistant: " + sample['positive_passages'][0]['text']

    def get_prompt_and_rejected(self, sample):
        return " Human: " + sample['query'] + " Assistant: " + sample['negative_passages'][0]['text']


class HelloSimpleAIHC3ChineseDataset:  # raw_datasets.py:493-547
    dataset_name = "Hello-SimpleAI/HC3-Chinese"

    def get_prompt(self, sample):
        if sample['question'] is not None:
            return " Human: " + sample['question'] + " Assistant:"
        return None

    def get_chosen(self, sample):
        if sample['human_answers'][0] is not None:
            return " " + sample['human_answers'][0]
        return None

    def get_rejected(self, sample):
        return None

    def get_prompt_and_chosen(self, sample):
        if sample['question'] is not None and sample['human_answers'][0] is not None:
            return " Human: " + sample['question'] + " Assistant: " + sample['human_answers'][0]
        return None

    def get_prompt_and_rejected(self, sample):
        return None


class MkqaChineseDataset:  # raw_datasets.py:551-606
    dataset_name = "mkqa-Chinese"
    language = "zh_cn"

    def get_prompt(self, sample):
        if sample['queries'][self.language] is not None:
            return " Human: " + sample['queries'][self.language] + " Assistant:"
        return None

    def get_chosen(self, sample):
        if sample['answers'][self.language][0]['text'] is not None:
            return " " + sample['answers'][self.language][0]['text']
        return None

    def get_rejected(self, sample):
        return None

    def get_prompt_and_chosen(self, sample):
        if sample['queries'][self.language] is not None and sample['answers'][self.language][0]['text'] is not None:
            return " Human: " + sample['queries'][self.language] + " Assistant: " + sample['answers'][self.language][0]['text']
        return None

    def get_prompt_and_rejected(self, sample):
        return None


class MkqaJapaneseDataset(MkqaChineseDataset):  # raw_datasets.py:610-664 (the same bodies with 'ja')
    dataset_name = "mkqa-Japanese"
    language = "ja"


class CohereMiracljaqueries2212Dataset(CohereMiraclzhqueries2212Dataset):  # raw_datasets.py:668-698
    dataset_name = "Cohere/miracl-ja-queries-22-12"

    def get_prompt_and_rejected(self, sample):  # the one guard the zh class lacks (lines 694-698)
        if len(sample['negative_passages']) > 0:
            return " Human: " + sample['query'] + " Assistant: " + sample['negative_passages'][0]['text']
        return None


class LmqgQgjaquadDataset:  # raw_datasets.py:702-735
    dataset_name = "lmqg/qg_jaquad"

    def get_prompt(self, sample):
        return " Human: " + sample['question'] + " Assistant:"

    def get_chosen(self, sample):
        return " " + sample['sentence']

    def get_rejected(self, sample):
        return None

    def get_prompt_and_chosen(self, sample):
        return " Human: " + sample['question'] + " Assistant: " + sample['sentence']

    def get_prompt_and_rejected(self, sample):
        return None


class LmqgQagjaquadDataset:  # raw_datasets.py:739-772
    dataset_name = "lmqg/qag_jaquad"

    def get_prompt(self, sample):
        return " Human: " + sample['questions'][0] + " Assistant:"

    def get_chosen(self, sample):
        return " " + sample['paragraph']

    def get_rejected(self, sample):
        return None

    def get_prompt_and_chosen(self, sample):
        return " Human: " + sample['questions'][0] + " Assistant: " + sample['paragraph']

    def get_prompt_and_rejected(self, sample):
        return None


# Every built-in, with the hand-made raw rows it is fed (DS-Chat's dispatch order, data_utils.py:21-70).
BUILTINS = [
    (DahoasRmstaticDataset, "rm-static.jsonl"),
    (DahoasFullhhrlhfDataset, "full-hh-rlhf.jsonl"),
    (DahoasSyntheticinstructgptjpairwiseDataset, "synthetic-instruct-gptj-pairwise.jsonl"),
    (YitingxieRlhfrewarddatasetsDataset, "yitingxie-rlhf-reward-datasets.jsonl"),
    (OpenaiWebgptcomparisonsDataset, "webgpt_comparisons.jsonl"),
    (StanfordnlpSHPDataset, "SHP.jsonl"),
    (PvduySharegptalpacaoavicunaformatDataset, "pvduy-sharegpt-alpaca-oa-vicuna-format.jsonl"),
    (Wangrui6ZhihuKOLDataset, "Zhihu-KOL.jsonl"),
    (CohereMiraclzhqueries2212Dataset, "miracl-zh-queries-22-12.jsonl"),
    (HelloSimpleAIHC3ChineseDataset, "HC3-Chinese.jsonl"),
    (MkqaChineseDataset, "mkqa.jsonl"),
    (MkqaJapaneseDataset, "mkqa.jsonl"),
    (CohereMiracljaqueries2212Dataset, "miracl-ja-queries-22-12.jsonl"),
    (LmqgQgjaquadDataset, "qg_jaquad.jsonl"),
    (LmqgQagjaquadDataset, "qag_jaquad.jsonl"),
    (LocalJsonFileDataset, "local-jsonfile.jsonl"),
]

METHODS = ["get_prompt", "get_chosen", "get_rejected", "get_prompt_and_chosen", "get_prompt_and_rejected"]


def call(method, sample):
    """A method's string, None, or the exception DS-Chat would stop with."""
    try:
        return method(sample)
    except Exception as error:  # noqa: BLE001 - the type is the expected value
        return {"raises": type(error).__name__}


def rows_of(cls, fixture):
    rows = []
    with open(os.path.join(FIXTURES, fixture), encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            sample = json.loads(line)
            if cls is LocalJsonFileDataset:
                # load_dataset('json') gives every row every column of the file, None where a row lacks it.
                sample = {key: sample.get(key) for key in ("prompt", "chosen", "rejected")}
            rows.append(sample)
    return rows


def template_vectors():
    datasets = []
    for cls, fixture in BUILTINS:
        instance = cls()
        datasets.append({
            "format": f"dschat:{cls.dataset_name}",
            "class": cls.__name__,
            "fixture": f"formats/dschat/{fixture}",
            "rows": [{name: call(getattr(instance, name), sample) for name in METHODS} for sample in rows_of(cls, fixture)],
        })
    return {"source": f"{COMMIT}/dschat/utils/data/raw_datasets.py", "methods": METHODS, "datasets": datasets}


# ---- dschat/utils/ds_utils.py, transcribed ------------------------------------------------------------------------
GLOBAL_BATCH_SIZE = 32  # ds_utils.py:9
MICRO_BATCH_SIZE = 4  # ds_utils.py:10


def get_train_ds_config(offload, dtype, stage=2, enable_hybrid_engine=False, inference_tp_size=1, release_inference_cache=False,
                        pin_parameters=True, tp_gather_partition_size=8, max_out_tokens=512, enable_tensorboard=False,
                        enable_mixed_precision_lora=False, tb_path="", tb_name="", world_size=1, device_count=1):
    # ds_utils.py:13-75; dist.get_world_size() and get_accelerator().device_count() become parameters.
    device = "cpu" if offload else "none"
    if dtype == "fp16":
        data_type = "fp16"
        dtype_config = {"enabled": True, "loss_scale_window": 100}
    elif dtype == "bf16":
        data_type = "bfloat16"
        dtype_config = {"enabled": True}
    zero_opt_dict = {
        "stage": stage,
        "overlap_comm": True,
        "offload_param": {"device": device},
        "offload_optimizer": {"device": device},
        "stage3_param_persistence_threshold": 1e4,
        "stage3_max_live_parameters": 3e7,
        "stage3_prefetch_bucket_size": 3e7,
        "memory_efficient_linear": False,
    }
    if enable_mixed_precision_lora:
        zero_opt_dict["zero_quantized_nontrainable_weights"] = True
        if world_size != device_count:
            zero_opt_dict["zero_hpz_partition_size"] = device_count
    return {
        "train_batch_size": GLOBAL_BATCH_SIZE,
        "train_micro_batch_size_per_gpu": MICRO_BATCH_SIZE,
        "steps_per_print": 10,
        "zero_optimization": zero_opt_dict,
        data_type: dtype_config,
        "gradient_clipping": 1.0,
        "prescale_gradients": False,
        "wall_clock_breakdown": False,
        "hybrid_engine": {
            "enabled": enable_hybrid_engine,
            "max_out_tokens": max_out_tokens,
            "inference_tp_size": inference_tp_size,
            "release_inference_cache": release_inference_cache,
            "pin_parameters": pin_parameters,
            "tp_gather_partition_size": tp_gather_partition_size,
        },
        "tensorboard": {
            "enabled": enable_tensorboard,
            "output_path": f"{tb_path}/ds_tensorboard_logs/",
            "job_name": f"{tb_name}_tensorboard",
        },
    }


def get_eval_ds_config(offload, dtype, stage=0):  # ds_utils.py:78-105
    device = "cpu" if offload else "none"
    if dtype == "fp16":
        data_type = "fp16"
        dtype_config = {"enabled": True}
    elif dtype == "bf16":
        data_type = "bfloat16"
        dtype_config = {"enabled": True}
    zero_opt_dict = {
        "stage": stage,
        "stage3_param_persistence_threshold": 1e4,
        "offload_param": {"device": device},
        "memory_efficient_linear": False,
    }
    return {
        "train_batch_size": GLOBAL_BATCH_SIZE,
        "train_micro_batch_size_per_gpu": MICRO_BATCH_SIZE,
        "steps_per_print": 10,
        "zero_optimization": zero_opt_dict,
        data_type: dtype_config,
        "gradient_clipping": 1.0,
        "prescale_gradients": False,
        "wall_clock_breakdown": False,
    }


def step12_config(step, args, world_size):
    # training/step{1,2}_*/main.py:225-235 (both steps, tb_name "step1_model" / "step2_model")
    ds_config = get_train_ds_config(offload=args["offload"], dtype=args["dtype"], stage=args["zero_stage"],
                                    enable_tensorboard=args["enable_tensorboard"], tb_path=args["tensorboard_path"],
                                    tb_name=f"step{step}_model")
    ds_config['train_micro_batch_size_per_gpu'] = args["per_device_train_batch_size"]
    ds_config['train_batch_size'] = args["per_device_train_batch_size"] * world_size * args["gradient_accumulation_steps"]
    return ds_config


def step3_configs(args, world_size, device_count):
    # training/step3_rlhf_finetuning/main.py:459-464: the actor's accumulation doubles with unsupervised training.
    unsupervised = args["unsupervised_dataset_name"] and args["unsupervised_dataset_config_name"]
    gas_actor = args["gradient_accumulation_steps"] * 2 if unsupervised else args["gradient_accumulation_steps"]
    micro = args["per_device_training_batch_size"]

    def with_batch(config, gas):
        config['train_micro_batch_size_per_gpu'] = micro
        config['train_batch_size'] = micro * world_size * gas
        return config

    # dschat/rlhf/rlhf_engine.py:67-87 (actor)
    actor = get_train_ds_config(offload=args["offload"], dtype=args["dtype"], stage=args["actor_zero_stage"],
                                enable_hybrid_engine=args["enable_hybrid_engine"], inference_tp_size=args["inference_tp_size"],
                                release_inference_cache=args["release_inference_cache"], pin_parameters=(not args["unpin_actor_parameters"]),
                                tp_gather_partition_size=args["tp_gather_partition_size"],
                                max_out_tokens=args["max_prompt_seq_len"] + args["max_answer_seq_len"],
                                enable_tensorboard=args["enable_tensorboard"], enable_mixed_precision_lora=args["enable_mixed_precision_lora"],
                                tb_path=args["tensorboard_path"], tb_name="step3_actor", world_size=world_size, device_count=device_count)
    configs = {"actor": with_batch(actor, gas_actor)}
    # rlhf_engine.py:138-149 (ref) and 164-175 (EMA): ZeRO-3 only when the actor is.
    ref_stage = args["actor_zero_stage"] if args["actor_zero_stage"] == 3 else 0
    configs["ref"] = with_batch(get_eval_ds_config(args["offload_reference_model"], args["dtype"], ref_stage), gas_actor)
    if args["enable_ema"]:
        configs["ema"] = with_batch(get_eval_ds_config(args["offload_reference_model"], args["dtype"], ref_stage), gas_actor)
    # rlhf_engine.py:193-205 (critic)
    critic = get_train_ds_config(offload=args["offload"], dtype=args["dtype"], stage=args["critic_zero_stage"],
                                 enable_tensorboard=args["enable_tensorboard"], tb_path=args["tensorboard_path"], tb_name="step3_critic")
    configs["critic"] = with_batch(critic, args["gradient_accumulation_steps"])
    # rlhf_engine.py:266-281 (reward): ZeRO-3 only when the critic is.
    reward_stage = args["critic_zero_stage"] if args["critic_zero_stage"] == 3 else 0
    configs["reward"] = with_batch(get_eval_ds_config(offload=args["offload_reward_model"], dtype=args["dtype"], stage=reward_stage),
                                   args["gradient_accumulation_steps"])
    return configs


# argparse defaults of the arguments the configs read (step1/step2 main.py parse_args, step3 main.py parse_args).
STEP12_DEFAULTS = {"offload": False, "dtype": "fp16", "zero_stage": 0, "enable_tensorboard": False, "gradient_accumulation_steps": 1}
STEP3_DEFAULTS = {
    "offload": False, "dtype": "fp16", "actor_zero_stage": 0, "critic_zero_stage": 0, "enable_hybrid_engine": False,
    "inference_tp_size": 1, "release_inference_cache": False, "unpin_actor_parameters": False, "tp_gather_partition_size": 8,
    "max_prompt_seq_len": 256, "max_answer_seq_len": 256, "enable_tensorboard": False, "enable_mixed_precision_lora": False,
    "tensorboard_path": "step3_tensorboard", "offload_reference_model": False, "offload_reward_model": False, "enable_ema": False,
    "gradient_accumulation_steps": 1, "unsupervised_dataset_name": None, "unsupervised_dataset_config_name": None,
}
# (world size, GPUs per node): one GPU, one node of 8, two nodes of 8
MACHINES = [(1, 1), (8, 8), (16, 8)]


def ds_config_vectors():
    cases = []
    for step, stage, dtype, offload, (batch, gas), (world, gpus) in itertools.product(
            [1, 2], [0, 1, 2, 3], ["fp16", "bf16"], [False, True], [(1, 1), (8, 4)], MACHINES):
        args = {**STEP12_DEFAULTS, "zero_stage": stage, "dtype": dtype, "offload": offload, "per_device_train_batch_size": batch,
                "gradient_accumulation_steps": gas, "enable_tensorboard": stage == 1,
                "tensorboard_path": f"step{step}_tensorboard"}
        cases.append({"step": step, "world_size": world, "gpus_per_node": gpus, "args": args,
                      "expected": {str(step): step12_config(step, args, world)}})
    for actor_stage, critic_stage, dtype, offload, hybrid in itertools.product([0, 2, 3], [0, 3], ["fp16", "bf16"], [False, True], [False, True]):
        # batch and machine vary with the hybrid engine, so each appears with every stage, dtype and offload
        batch, (world, gpus) = (8, MACHINES[2]) if hybrid else (2, MACHINES[1])
        args = {**STEP3_DEFAULTS, "actor_zero_stage": actor_stage, "critic_zero_stage": critic_stage, "dtype": dtype, "offload": offload,
                "enable_hybrid_engine": hybrid, "inference_tp_size": 2 if hybrid and actor_stage == 3 else 1,
                "per_device_training_batch_size": batch, "per_device_generation_batch_size": batch,
                "offload_reference_model": offload, "enable_ema": hybrid and offload}
        cases.append({"step": 3, "world_size": world, "gpus_per_node": gpus, "args": args, "expected": {"3": step3_configs(args, world, gpus)}})
    # The branches a grid would not reach: unsupervised training, mixed-precision LoRA on one and on two nodes,
    # an unpinned actor with a released inference cache, tensorboard paths.
    for extra, (world, gpus) in [
        ({"unsupervised_dataset_name": "wikitext", "unsupervised_dataset_config_name": "wikitext-2-raw-v1", "gradient_accumulation_steps": 2}, (8, 8)),
        ({"unsupervised_dataset_name": "wikitext"}, (8, 8)),
        ({"enable_mixed_precision_lora": True, "actor_zero_stage": 3}, (8, 8)),
        ({"enable_mixed_precision_lora": True, "actor_zero_stage": 3}, (16, 8)),
        ({"unpin_actor_parameters": True, "release_inference_cache": True, "tp_gather_partition_size": 4, "enable_hybrid_engine": True,
          "max_prompt_seq_len": 512, "max_answer_seq_len": 128}, (1, 1)),
        ({"enable_tensorboard": True, "tensorboard_path": "tb", "offload_reward_model": True, "critic_zero_stage": 3}, (8, 8)),
    ]:
        args = {**STEP3_DEFAULTS, "per_device_training_batch_size": 4, "per_device_generation_batch_size": 4, **extra}
        cases.append({"step": 3, "world_size": world, "gpus_per_node": gpus, "args": args, "expected": {"3": step3_configs(args, world, gpus)}})
    return {"source": f"{COMMIT}/dschat/utils/ds_utils.py, training/step*/main.py, dschat/rlhf/rlhf_engine.py", "cases": cases}


def write(name, data):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, separators=(",", ":"))
        handle.write("\n")


if __name__ == "__main__":
    write("dschat-templates.json", template_vectors())
    write("ds-config-vectors.json", ds_config_vectors())
