#!/usr/bin/env python3
"""Generates test/vectors/log-vectors.json: the metric rows of the four DS-Chat logs in test/fixtures/deepspeed-chat-logs,
read by a reference parser written independently of src/core/runs/logLines.ts, from the print statements themselves
(DeepSpeedExamples 83757d9c applications/DeepSpeed-Chat, and DeepSpeed; the DS-Chat reference notes, section 5.4 on log lines).
It matches whole lines with the exact format of each print and the float grammar
F = [-+]?(\\d+(\\.\\d*)?([eE][-+]?\\d+)?|inf|nan); non-finite values are left out, as SageMaker's numeric metrics do.
Run from the repository root: python3 test/vectors/gen_log_vectors.py (stdlib only)."""
import hashlib
import json
import math
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOGS = os.path.join(ROOT, "test", "fixtures", "deepspeed-chat-logs")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "log-vectors.json")

F = r"[-+]?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|inf|nan)"
D = r"\d+"

# (log file, script) — the script decides which lines a job of it prints (and gets metric definitions for).
FIXTURES = [
    ("step1_supervised_finetuning/opt-1.3b-globalBatchSize128.log", "step1"),
    ("step2_reward_model_finetuning/opt-350m_globalBatchSize-64.log", "step2-reward"),
    ("step2_dpo_finetuning/opt-350M_globalBatchSize-32.log", "step2-dpo"),
    ("step3_rlhf_finetuning/actor_opt-1.3b_critic_opt-350m_globalBatchSize64.log", "step3"),
]

TRAIN = {"step1", "step2-reward", "step2-dpo"}
ALL = TRAIN | {"step3"}

BANNER = re.compile(r"^\*\*\*\*\* Evaluating (perplexity|reward|rewards), Epoch (\d+)/(\d+) \*\*\*\*\*$")


def rule(scripts, pattern, metrics, keys=None, inherit=(), sets_context=False, search=False):
    """metrics: {name: group index}; keys: {key: group index}."""
    return dict(scripts=scripts, pattern=re.compile(pattern), metrics=metrics, keys=keys or {}, inherit=inherit,
                sets_context=sets_context, search=search)


RULES = [
    # step1 main.py:352/381 "ppl: {perplexity}, loss: {eval_loss}"; "ppl: {perplexity}" before f7ff9dd9.
    rule({"step1"}, rf"^ppl: ({F})(?:, loss: ({F}))?$", {"eval:ppl": 1, "eval:loss": 2}, inherit=("epoch",)),
    # step1 main.py:366-368 / dpo main.py:491-493, every rank; rank 0 only.
    rule({"step1", "step2-dpo"}, rf"^Epoch: ({D}), Step: ({D}), Rank: (0), loss = (?:tensor\()?({F})",
         {"train:loss": 4}, keys={"epoch": 1, "step": 2, "rank": 3}),
    # perf.py:38-40 print_throughput.
    rule({"step1", "step2-dpo"},
         rf"^Model Parameters: (?:{F} B|NA), Latency: ({F})s, TFLOPs: ({F}), Samples/sec: ({F}), Time/seq ({F})s, "
         rf"Batch Size: {D}, Sequence Length: {D}$",
         {"perf:latency_s": 1, "perf:tflops": 2, "perf:samples_per_sec": 3, "perf:time_per_seq_s": 4}),
    # step2 main.py:376-379/420-423; without the rejected part before bfad08f9.
    rule({"step2-reward"},
         rf"^chosen_last_scores \(higher is better\) : ({F}), (?:rejected_last_scores \(lower is better\) : ({F}), )?"
         rf"acc \(higher is better\) : ({F})$",
         {"rm:chosen_score": 1, "rm:rejected_score": 2, "rm:acc": 3}, inherit=("epoch",)),
    # step2 main.py:411-413.
    rule({"step2-reward"}, rf"^Epoch ({D})/({D}) with loss ({F})$", {"rm:train_loss": 3}, keys={"epoch": 1}),
    # step2 main.py:405-408.
    rule({"step2-reward"}, rf"^Iter ({D}): c_scores: ({F}), r_scores: ({F}), diff: ({F}), acc: ({F})$",
         {"rm:iter_chosen_score": 2, "rm:iter_rejected_score": 3, "rm:iter_diff": 4, "rm:iter_acc": 5}, keys={"step": 1}),
    # dpo main.py:446-448/507-509.
    rule({"step2-dpo"}, rf"^chosen: ({F}), rejected: ({F}), loss: ({F})$",
         {"dpo:chosen_reward": 1, "dpo:rejected_reward": 2, "dpo:eval_loss": 3}, inherit=("epoch",)),
    # step3 main.py:576-578 (since 81a8521f).
    rule({"step3"}, rf"^Epoch: ({D}) \| Step: ({D}) \| PPO Epoch: ({D}) \| Actor Loss: ({F}) \| Critic Loss: ({F}) \| "
                    rf"Unsupervised Loss: ({F})$",
         {"ppo:actor_loss": 4, "ppo:critic_loss": 5, "ppo:unsup_loss": 6}, keys={"epoch": 1, "step": 2, "ppoEpoch": 3},
         sets_context=True),
    # step3 main.py:458-459 at e468799f (before 81a8521f).
    rule({"step3"}, rf"^epoch: ({D})\|step: ({D})\|ppo_ep: ({D})\|act_loss: ({F})\|cri_loss: ({F})\|unsuper_loss: ({F})$",
         {"ppo:actor_loss": 4, "ppo:critic_loss": 5, "ppo:unsup_loss": 6}, keys={"epoch": 1, "step": 2, "ppoEpoch": 3},
         sets_context=True),
    # step3 main.py:590-592 (since f52b7257), "Average reward score: x" 81a8521f..f52b7257, lowercase before.
    rule({"step3"}, rf"^Average reward score: ({F}) \| EMA reward score: ({F})$", {"ppo:reward": 1, "ppo:ema_reward": 2},
         inherit=("epoch", "step", "ppoEpoch")),
    rule({"step3"}, rf"^[Aa]verage reward score: ({F})$", {"ppo:reward": 1}, inherit=("epoch", "step", "ppoEpoch")),
    # perf.py:128-136 print_throughput_step3 (and the 81a8521f formats).
    rule({"step3"}, rf"^End-to-End => Latency: ({F})s, TFLOPs: ({F}), Samples/sec: ({F}), Time/seq {F}s, Batch Size: {D}, "
                    rf"(?:Total Seq\. Length|Sequence Length): {D}$",
         {"ppo:e2e_latency_s": 1, "ppo:e2e_tflops": 2, "ppo:e2e_samples_per_sec": 3}, inherit=("epoch", "step", "ppoEpoch")),
    rule({"step3"}, rf"^Generation => Latency: ({F})s, Per-token Latency ({F}) ms, TFLOPs: ({F}), BW: ({F}) GB/sec, "
                    rf"Answer Seq\. Length: {D}$",
         {"ppo:gen_latency_s": 1, "ppo:gen_token_latency_ms": 2, "ppo:gen_tflops": 3, "ppo:gen_bw_gbps": 4},
         inherit=("epoch", "step", "ppoEpoch")),
    rule({"step3"}, rf"^Generation => Latency: ({F})s, TFLOPs: ({F}), BW: ({F}) GB/sec$",
         {"ppo:gen_latency_s": 1, "ppo:gen_tflops": 2, "ppo:gen_bw_gbps": 3}, inherit=("epoch", "step", "ppoEpoch")),
    rule({"step3"}, rf"^Training   => Latency: ({F})s, TFLOPs: ({F})$", {"ppo:train_latency_s": 1, "ppo:train_tflops": 2},
         inherit=("epoch", "step", "ppoEpoch")),
    # DeepSpeed hybrid_engine.py eval().
    rule({"step3"}, rf"^\|E2E latency=({F})s \|Gather latency=({F})s \({F}%\) \|Generate time=({F})s \({F}%\) "
                    rf"\|Training time=({F})s \({F}%\) \|Others={F} \({F}%\)\|CurSamplesPerSec=({F}) \|AvgSamplesPerSec=({F})$",
         {"he:e2e_latency_s": 1, "he:gather_latency_s": 2, "he:generate_s": 3, "he:training_s": 4, "he:samples_per_sec": 5,
          "he:avg_samples_per_sec": 6}),
    # DeepSpeed engine.py _report_progress via log_dist(ranks=[0]); not step 3 (two engines interleave).
    rule(TRAIN, rf"\[Rank 0\] step=({D}), skipped=({D}), lr=\[({F})(?:, {F})*\], mom=", {"ds:lr": 3, "ds:skipped_steps": 2},
         keys={"globalStep": 1}, search=True),
    # DeepSpeed timer.py ThroughputTimer.stop.
    rule(ALL, rf"epoch=({D})/micro_step=({D})/global_step=({D}), RunningAvgSamplesPerSec=({F}), CurrSamplesPerSec=({F}), "
              rf"MemAllocated=({F})GB, MaxMemAllocated=({F})GB$",
         {"ds:avg_samples_per_sec": 4, "ds:samples_per_sec": 5, "ds:mem_allocated_gb": 6, "ds:max_mem_allocated_gb": 7},
         keys={"epoch": 1, "microStep": 2, "globalStep": 3}, search=True),
    # DeepSpeed loss_scaler.py update_scale (rank 0) and fused_optimizer.py log_dist(ranks=[0]).
    rule(ALL, rf"\[deepspeed\] OVERFLOW! Rank 0 Skipping step\. Attempted loss scale: ({F})", {"ds:loss_scale": 1}, search=True),
    rule(ALL, rf"\[Rank 0\] Overflow detected\. Skipping step\. Attempted loss scale: ({F}), reducing to", {"ds:loss_scale": 1},
         search=True),
]


def parse(lines, script):
    context = {}
    metrics = {}
    for number, line in enumerate(lines, start=1):
        banner = BANNER.match(line)
        if banner:
            context = {"epoch": int(banner.group(2))}
            continue
        for r in RULES:
            if script not in r["scripts"]:
                continue
            m = (r["pattern"].search if r["search"] else r["pattern"].match)(line)
            if not m:
                continue
            keys = {k: context[k] for k in r["inherit"] if k in context}
            keys.update({k: int(m.group(g)) for k, g in r["keys"].items()})
            for name, group in r["metrics"].items():
                text = m.group(group)
                if text is None:
                    continue
                value = float(text)
                if not math.isfinite(value):
                    continue
                entry = metrics.setdefault(name, {"lines": [], "values": [], "keys": {}})
                entry["lines"].append(number)
                entry["values"].append(value)
                for k, v in keys.items():
                    entry["keys"].setdefault(k, []).append(v)
            if r["sets_context"]:
                context = keys
            break  # one rule per line: every format above is a whole, distinct line
    for entry in metrics.values():
        entry["count"] = len(entry["values"])
        for k, values in entry["keys"].items():
            assert len(values) == entry["count"], f"key {k} missing on some rows"
    return metrics


def main():
    result = {"generator": "test/vectors/gen_log_vectors.py", "logs": {}}
    for rel, script in FIXTURES:
        path = os.path.join(LOGS, rel)
        data = open(path, "rb").read()
        lines = data.decode("utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
        result["logs"][rel] = {
            "script": script,
            "sha256": hashlib.sha256(data).hexdigest(),
            "lineCount": len(lines),
            "metrics": parse(lines, script),
        }
    with open(OUT, "w") as out:
        json.dump(result, out, separators=(",", ":"), sort_keys=True)
        out.write("\n")
    for rel, entry in result["logs"].items():
        print(rel, {name: m["count"] for name, m in entry["metrics"].items()})


if __name__ == "__main__":
    main()
