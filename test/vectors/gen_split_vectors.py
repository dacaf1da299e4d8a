#!/usr/bin/env python3
"""Generates test/vectors/split-vectors.json from numpy and a literal transcription of DS-Chat's data_utils.py
(DeepSpeedExamples 83757d9c). Run from the repository root: python3 test/vectors/gen_split_vectors.py
Needs python3 + numpy only; the TypeScript tests read the committed JSON and never need numpy."""
import base64
import bisect
import hashlib
import io
import json
import os
import platform
import sys
import tempfile

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "split-vectors.json")

SEEDS = [0, 1, 7, 42, 1234, 2024, 99999, 2**31 - 1, 2**32 - 1]
SIZES = [0, 1, 2, 3, 5, 10, 100, 1000, 12345, 76256]
SPLITS = ["2,4,4", "9,1", "1,1", "3,3,3", "10,0,0", "6,2,2", "0,10,0", "0,0,10"]
# Odd strings: many weights rounding the same way (negative first boundary), fractions, spaces, one weight.
EXTRA_SPLITS = [("1,1,1,1,1,1", 9), ("1,1,1,1,1,1", 21), ("1,1,1,1,1,1", 3), ("0.1,0.2,0.7", 1000), ("0.3,0.3,0.4", 12345),
                (" 2, 4 ,4", 100), ("1", 10), ("5,5,5,5,5,5,5,5,5,5", 15), ("1,2", 7), ("2.5,2.5,5", 5103)]
FULL_UP_TO = 10  # full index arrays for sizes up to this; digests beyond


# ---- DS-Chat, transcribed (data_utils.py) -------------------------------------------------------------------------
def get_shuffle_idx(seed, size):
    np_rng = np.random.RandomState(seed=seed)
    dtype_ = np.uint32
    if size >= (np.iinfo(np.uint32).max - 1):
        dtype_ = np.int64
    shuffle_idx = np.arange(start=0, stop=size, step=1, dtype=dtype_)
    np_rng.shuffle(shuffle_idx)
    return shuffle_idx


def split_boundaries(data_split, data_size):
    splits = [float(s) for s in data_split.split(',')]
    splits_sum = sum(splits)
    splits = [split / splits_sum for split in splits]
    splits_index = [0]
    for index, split in enumerate(splits):
        splits_index.append(splits_index[index] + int(round(split * float(data_size))))
    diff = splits_index[-1] - data_size
    for index in range(1, len(splits_index)):
        splits_index[index] -= diff
    assert splits_index[-1] == data_size
    return splits_index


def get_raw_dataset_split_index(output_path, dataset_name, seed, split_name, data_split, split_index, data_size,
                                rebuild=False):
    index_file_name = f"{output_path}/{dataset_name}_seed{seed}_{split_name}_{data_split}_{split_index}.npy"
    if rebuild or (not os.path.isfile(index_file_name)) or (dataset_name == 'jsonfile'):
        splits_index = split_boundaries(data_split, data_size)
        shuffle_idx = get_shuffle_idx(seed, data_size)
        for split_i in range(len(splits_index) - 1):
            shuffle_idx_split_file_name = f"{output_path}/{dataset_name}_seed{seed}_{split_name}_{data_split}_{split_i}.npy"
            shuffle_idx_split = shuffle_idx[splits_index[split_i]:splits_index[split_i + 1]]
            np.save(shuffle_idx_split_file_name, shuffle_idx_split, allow_pickle=True)
    index = np.load(index_file_name, allow_pickle=True)
    return index.tolist()


class Subset:  # torch.utils.data.Subset
    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, idx):
        return self.dataset[self.indices[idx]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset:  # torch.utils.data.ConcatDataset
    def __init__(self, datasets):
        self.datasets = list(datasets)
        assert len(self.datasets) > 0, "datasets should not be an empty iterable"
        self.cumulative_sizes, total = [], 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return self.datasets[dataset_idx][sample_idx]


class RawDataset:
    """A raw_datasets class reduced to what splitting touches; a sample is (dataset number, raw split, row)."""

    def __init__(self, spec, number, output_path, seed):
        self.dataset_name_clean = spec["name"]
        self.output_path, self.seed = output_path, seed
        self.pre_split = spec["evalSize"] is None
        self.train = [(number, "train", i) for i in range(spec["trainSize"])]
        self.eval = None if self.pre_split else [(number, "eval", i) for i in range(spec["evalSize"])]
        self.drop = spec.get("drop")  # {"every": k, "offset": r}: rows with row % k == r return None

    def get_train_data(self):
        if not self.pre_split:
            return self.train
        index = get_raw_dataset_split_index(self.output_path, self.dataset_name_clean, self.seed, "train_eval", "9,1", 0,
                                            len(self.train))
        return Subset(self.train, index)

    def get_eval_data(self):
        if not self.pre_split:
            return self.eval
        index = get_raw_dataset_split_index(self.output_path, self.dataset_name_clean, self.seed, "train_eval", "9,1", 1,
                                            len(self.train))
        return Subset(self.train, index)

    def keeps(self, sample):
        return not (self.drop and sample[2] % self.drop["every"] == self.drop["offset"])


def create_dataset_split(current_dataset, raw_dataset):
    return [sample for sample in (current_dataset[i] for i in range(len(current_dataset))) if raw_dataset.keeps(sample)]


def create_dataset(spec, number, data_split, output_path, train_phase, seed):
    raw_dataset = RawDataset(spec, number, output_path, seed)
    train_dataset = raw_dataset.get_train_data()
    train_index = get_raw_dataset_split_index(output_path, raw_dataset.dataset_name_clean, seed, "train", data_split,
                                              train_phase - 1, len(train_dataset))
    train_dataset = create_dataset_split(Subset(train_dataset, train_index), raw_dataset)
    eval_dataset = raw_dataset.get_eval_data()
    eval_index = get_raw_dataset_split_index(output_path, raw_dataset.dataset_name_clean, seed, "eval", data_split,
                                             train_phase - 1, len(eval_dataset))
    eval_dataset = create_dataset_split(Subset(eval_dataset, eval_index), raw_dataset)
    return train_dataset, eval_dataset


def create_prompt_dataset(data_path, data_split, output_path, train_phase, seed, sft_only_data_path=()):
    if len(data_path) == 1:
        train_dataset, eval_dataset = create_dataset(data_path[0], 0, data_split, output_path, train_phase, seed)
    else:
        train_datasets, eval_datasets, train_size, eval_size = [], [], 0, 0
        for number, d_path in enumerate(data_path):
            train_dataset, eval_dataset = create_dataset(d_path, number, data_split, output_path, train_phase, seed)
            train_datasets.append(train_dataset)
            eval_datasets.append(eval_dataset)
            train_size += len(train_dataset)
            eval_size += len(eval_dataset)
        train_dataset = Subset(ConcatDataset(train_datasets), get_shuffle_idx(seed, train_size).tolist())
        eval_dataset = Subset(ConcatDataset(eval_datasets), get_shuffle_idx(seed, eval_size).tolist())
    if train_phase == 1 and sft_only_data_path:
        sft_train_datasets, sft_eval_datasets = [], []
        for number, sft_path in enumerate(sft_only_data_path, start=len(data_path)):
            sft_train_dataset, sft_eval_dataset = create_dataset(sft_path, number, "10,0,0", output_path, train_phase, seed)
            sft_train_datasets.append(sft_train_dataset)
            sft_eval_datasets.append(sft_eval_dataset)
        if sft_train_datasets:
            train_dataset = ConcatDataset([train_dataset, ConcatDataset(sft_train_datasets)])
            train_dataset = Subset(train_dataset, get_shuffle_idx(seed, len(train_dataset)).tolist())
        if sft_eval_datasets:
            eval_dataset = ConcatDataset([eval_dataset, ConcatDataset(sft_eval_datasets)])
            eval_dataset = Subset(eval_dataset, get_shuffle_idx(seed, len(eval_dataset)).tolist())
    return [train_dataset[i] for i in range(len(train_dataset))], [eval_dataset[i] for i in range(len(eval_dataset))]


# ---- vectors --------------------------------------------------------------------------------------------------------
def digest(indices):
    """First 16 hex digits of the sha256 of the little-endian uint32 bytes: enough to catch any difference."""
    return hashlib.sha256(np.asarray(indices, dtype="<u4").tobytes()).hexdigest()[:16]


def describe(indices, size, full_up_to=FULL_UP_TO):
    entry = {"length": len(indices), "sha256_16": digest(indices), "first5": [int(i) for i in indices[:5]]}
    if size <= full_up_to:
        entry["full"] = [int(i) for i in indices]
    return entry


def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def split_entry(seed, data_split, size):
    boundaries = split_boundaries(data_split, size)
    shuffled = get_shuffle_idx(seed, size)
    parts = [shuffled[boundaries[k]:boundaries[k + 1]] for k in range(len(boundaries) - 1)]
    return {"seed": seed, "size": size, "dataSplit": data_split, "boundaries": boundaries,
            "parts": [describe(part, size, 21) for part in parts]}


A = {"name": "Dahoas_rm_static", "trainSize": 200, "evalSize": 40}
B = {"name": "Dahoas_synthetic_instruct_gptj_pairwise", "trainSize": 157, "evalSize": None}
C = {"name": "yitingxie_rlhf_reward_datasets", "trainSize": 33, "evalSize": 7}
D = {"name": "wangrui6_Zhihu_KOL", "trainSize": 61, "evalSize": None}
E = {"name": "lmqg_qg_jaquad", "trainSize": 29, "evalSize": 11}
J = {"name": "jsonfile", "trainSize": 50, "evalSize": 9}
M = {"name": "mkqa", "trainSize": 40, "evalSize": None}
A_DROP = dict(A, drop={"every": 5, "offset": 3})
B_DROP = dict(B, drop={"every": 4, "offset": 0})

PHASE_CONFIGS = [
    {"label": "single dataset with eval, phase 1", "datasets": [A], "dataSplit": "2,4,4", "phase": 1, "seed": 1234},
    {"label": "single dataset with eval, phase 2", "datasets": [A], "dataSplit": "2,4,4", "phase": 2, "seed": 1234},
    {"label": "single dataset with eval, phase 3", "datasets": [A], "dataSplit": "2,4,4", "phase": 3, "seed": 1234},
    {"label": "single 9:1 dataset, phase 2", "datasets": [B], "dataSplit": "2,4,4", "phase": 2, "seed": 1234},
    {"label": "blend of three, phase 1", "datasets": [A, B, C], "dataSplit": "2,4,4", "phase": 1, "seed": 1234},
    {"label": "blend of three, phase 2", "datasets": [A, B, C], "dataSplit": "2,4,4", "phase": 2, "seed": 1234},
    {"label": "blend of three, phase 3", "datasets": [A, B, C], "dataSplit": "2,4,4", "phase": 3, "seed": 1234},
    {"label": "blend + sft-only, phase 1", "datasets": [A, B], "sftOnly": [D, E], "dataSplit": "2,4,4", "phase": 1, "seed": 42},
    {"label": "blend + sft-only, phase 2 (sft-only ignored)", "datasets": [A, B], "sftOnly": [D, E], "dataSplit": "2,4,4",
     "phase": 2, "seed": 42},
    {"label": "single + sft-only, 10,0,0", "datasets": [C], "sftOnly": [D], "dataSplit": "10,0,0", "phase": 1, "seed": 7},
    {"label": "rows dropped before the blend shuffle, phase 3", "datasets": [A_DROP, B_DROP], "dataSplit": "6,2,2",
     "phase": 3, "seed": 99999},
    {"label": "two datasets, 9,1 split, phase 2", "datasets": [C, E], "dataSplit": "9,1", "phase": 2, "seed": 0},
    {"label": "jsonfile blended with a 9:1 dataset, phase 1", "datasets": [J, B], "dataSplit": "1,1,1,1,1,1", "phase": 1,
     "seed": 2**32 - 1},
    {"label": "both mkqa datasets share index files", "datasets": [M, M], "dataSplit": "3,3,3", "phase": 3, "seed": 2024},
]


def phase_entry(config):
    with tempfile.TemporaryDirectory() as output_path:
        train, evaluation = create_prompt_dataset(config["datasets"], config["dataSplit"], output_path, config["phase"],
                                                  config["seed"], config.get("sftOnly", ()))
        files = []
        for name in sorted(os.listdir(output_path)):
            with open(os.path.join(output_path, name), "rb") as f:
                data = f.read()
            files.append({"name": name, "length": len(np.load(os.path.join(output_path, name))),
                          "sha256": hashlib.sha256(data).hexdigest()})
    return dict(config, train=[list(sample) for sample in train], eval=[list(sample) for sample in evaluation],
                files=files)


def main():
    vectors = {
        "generator": "test/vectors/gen_split_vectors.py",
        "numpy": np.__version__,
        "python": platform.python_version(),
        "shuffles": [],
        "splits": [],
        "npy": [],
        "large": None,
        "phases": [],
    }
    for seed in SEEDS:
        for size in SIZES:
            vectors["shuffles"].append(dict(seed=seed, size=size, **describe(get_shuffle_idx(seed, size), size, 100)))
            for data_split in SPLITS:
                vectors["splits"].append(split_entry(seed, data_split, size))
    for data_split, size in EXTRA_SPLITS:
        for seed in (1234, 2**32 - 1):
            vectors["splits"].append(split_entry(seed, data_split, size))
    for size in (0, 1, 10, 1000):
        array = get_shuffle_idx(1234, size)
        vectors["npy"].append({"seed": 1234, "size": size, "base64": base64.b64encode(npy_bytes(array)).decode()})
    vectors["large"] = dict(seed=1234, size=5_000_000, **describe(get_shuffle_idx(1234, 5_000_000), 5_000_000))
    for config in PHASE_CONFIGS:
        vectors["phases"].append(phase_entry(config))
    with open(OUT, "w") as f:
        json.dump(vectors, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes) with numpy {np.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()
