import assert from "node:assert/strict";
import {createHash} from "node:crypto";
import {readFileSync} from "node:fs";
import {describe, it} from "node:test";
import {
  BUILTIN_DATASETS,
  Mt19937,
  datasetNameClean,
  decodeNpyUint32,
  encodeNpyUint32,
  getRawDatasetSplitIndex,
  getRawDatasetSplitIndices,
  getShuffleIdx,
  getSplitBoundaries,
  indexFileName,
  roundHalfEven,
  selectPhaseRows,
  type PhaseDataset
} from "../../src/core/split/index.js";

interface Described {
  length: number;
  sha256_16: string;
  first5: number[];
  full?: number[];
}
interface DatasetSpec {
  name: string;
  trainSize: number;
  evalSize: number | null;
  drop?: {every: number; offset: number};
}
interface Vectors {
  numpy: string;
  shuffles: Array<Described & {seed: number; size: number}>;
  splits: Array<{seed: number; size: number; dataSplit: string; boundaries: number[]; parts: Described[]}>;
  npy: Array<{seed: number; size: number; base64: string}>;
  large: Described & {seed: number; size: number};
  phases: Array<{
    label: string;
    datasets: DatasetSpec[];
    sftOnly?: DatasetSpec[];
    dataSplit: string;
    phase: 1 | 2 | 3;
    seed: number;
    train: Array<[number, "train" | "eval", number]>;
    eval: Array<[number, "train" | "eval", number]>;
    files: Array<{name: string; length: number; sha256: string}>;
  }>;
}

const vectors: Vectors = JSON.parse(readFileSync(new URL("../vectors/split-vectors.json", import.meta.url), "utf8"));

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const indexBytes = (indices: Uint32Array) => new Uint8Array(indices.buffer, indices.byteOffset, indices.byteLength);

function assertDescribed(actual: Uint32Array, expected: Described, context: string) {
  assert.equal(actual.length, expected.length, `${context}: length`);
  assert.deepEqual([...actual.subarray(0, 5)], expected.first5, `${context}: first 5`);
  if (expected.full) assert.deepEqual([...actual], expected.full, `${context}: all indices`);
  assert.equal(sha256(indexBytes(actual)).slice(0, 16), expected.sha256_16, `${context}: sha256 of the uint32 bytes`);
}

describe("Mt19937(seed)", () => {
  it("draws the reference MT19937 sequence (init_genrand(5489) starts 3499211612, 581869302)", () => {
    const rng = new Mt19937(5489);
    assert.deepEqual([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()], [3499211612, 581869302, 3890346734]);
  });

  it("stays in [0, max] for randomInterval, including max = 2^32 - 1", () => {
    const rng = new Mt19937(1);
    for (const max of [0, 1, 2, 7, 1000, 0x7fffffff, 0x80000000, 0xffffffff]) {
      for (let i = 0; i < 50; i++) {
        const value = rng.randomInterval(max);
        assert.ok(Number.isInteger(value) && value >= 0 && value <= max, `${value} within [0, ${max}]`);
      }
    }
  });
});

describe("getShuffleIdx(seed, size)", () => {
  it("matches the spec's test vectors", () => {
    assert.deepEqual([...getShuffleIdx(1234, 10)], [7, 2, 9, 1, 0, 8, 4, 5, 6, 3]);
    assert.deepEqual([...getShuffleIdx(42, 10)], [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);
    assert.deepEqual([...getShuffleIdx(1234, 20)], [3, 13, 2, 16, 14, 5, 4, 0, 8, 18, 17, 11, 10, 9, 7, 1, 19, 12, 6, 15]);
    assert.deepEqual([...getShuffleIdx(0, 5)], [2, 0, 1, 3, 4]);
    assert.deepEqual([...getShuffleIdx(2 ** 32 - 1, 10)], [6, 9, 5, 1, 8, 0, 7, 4, 2, 3]);
    const thousand = getShuffleIdx(1234, 1000);
    assert.deepEqual([...thousand.subarray(0, 10)], [681, 990, 155, 768, 438, 363, 688, 555, 620, 99]);
    assert.deepEqual([...thousand.subarray(200, 205)], [281, 42, 255, 906, 394]);
    assert.deepEqual([...thousand.subarray(600, 605)], [97, 834, 650, 55, 43]);
  });

  it(`matches numpy ${vectors.numpy} for every seed × size in the committed table`, () => {
    assert.ok(vectors.shuffles.length >= 90);
    for (const expected of vectors.shuffles) {
      assertDescribed(getShuffleIdx(expected.seed, expected.size), expected, `seed ${expected.seed}, size ${expected.size}`);
    }
  });

  it("is a permutation of 0..size-1", () => {
    const sorted = [...getShuffleIdx(7, 5000)].sort((a, b) => a - b);
    assert.ok(sorted.every((value, i) => value === i));
  });

  it("refuses seed None and seeds numpy refuses, saying what to pass", () => {
    assert.throws(() => getShuffleIdx(null as unknown as number, 10), /seed is None.*--seed/s);
    assert.throws(() => getShuffleIdx(-1, 10), /between 0 and 2\*\*32 - 1/);
    assert.throws(() => getShuffleIdx(2 ** 32, 10), /between 0 and 2\*\*32 - 1/);
    assert.throws(() => getShuffleIdx(1.5, 10), /integer/);
  });

  it("refuses sizes where DS-Chat switches to int64, and non-counts", () => {
    assert.throws(() => getShuffleIdx(1, 2 ** 32 - 2), /int64/);
    assert.throws(() => getShuffleIdx(1, -1), /whole number/);
    assert.throws(() => getShuffleIdx(1, 2.5), /whole number/);
  });

  it("shuffles 5,000,000 rows exactly as numpy does", (t) => {
    // The time is reported, not asserted: timing belongs in bench/, and a loaded machine must not fail the suite
    // (numpy itself needs ~0.7 s here).
    const started = performance.now();
    const shuffled = getShuffleIdx(1234, 5_000_000);
    t.diagnostic(`5,000,000 rows shuffled in ${(performance.now() - started).toFixed(0)} ms`);
    assertDescribed(shuffled, vectors.large, "seed 1234, size 5,000,000");
  });
});

describe("getSplitBoundaries(dataSplit, size)", () => {
  it("matches the spec's verified boundaries", () => {
    assert.deepEqual(getSplitBoundaries("2,4,4", 76256), [0, 15252, 45754, 76256]);
    assert.deepEqual(getSplitBoundaries("2,4,4", 5103), [0, 1021, 3062, 5103]);
    assert.deepEqual(getSplitBoundaries("9,1", 5), [0, 5, 5]);
    assert.deepEqual(getSplitBoundaries("9,1", 15), [0, 13, 15]);
    assert.deepEqual(getSplitBoundaries("1,1", 5), [0, 3, 5]);
    assert.deepEqual(getSplitBoundaries("3,3,3", 10), [0, 4, 7, 10]);
    assert.deepEqual(getSplitBoundaries("2,4,4", 7), [0, 1, 4, 7]);
    assert.deepEqual(getSplitBoundaries("10,0,0", 100), [0, 100, 100, 100]);
  });

  it("matches Python for every split string and size in the committed table", () => {
    for (const {dataSplit, size, boundaries} of vectors.splits) {
      assert.deepEqual(getSplitBoundaries(dataSplit, size), boundaries, `"${dataSplit}" over ${size}`);
    }
  });

  it("refuses empty, non-numeric, negative and all-zero strings with the fix", () => {
    assert.throws(() => getSplitBoundaries("", 10), /empty.*e\.g\. "2,4,4"/s);
    assert.throws(() => getSplitBoundaries("2,,4", 10), /part 2 "" is not a number/);
    assert.throws(() => getSplitBoundaries("2,4,4,", 10), /part 4/);
    assert.throws(() => getSplitBoundaries("a,b", 10), /part 1 "a" is not a number/);
    assert.throws(() => getSplitBoundaries("inf,1", 10), /not a number/);
    assert.throws(() => getSplitBoundaries("2;4;4", 10), /not a number/);
    assert.throws(() => getSplitBoundaries("-1,2", 10), /part 1 is negative/);
    assert.throws(() => getSplitBoundaries("0,0,0", 10), /every weight is 0/);
    assert.throws(() => getSplitBoundaries("2,4,4", -3), /whole number/);
  });

  it("refuses fractional weights whose split depends on the Python version", () => {
    assert.throws(() => getSplitBoundaries("0.1,0.2,0.3", 3), /Python 3\.12\+ \(\[0,0,1,3\]\).*\(\[0,1,2,3\]\)/s);
    assert.deepEqual(getSplitBoundaries("0.1,0.2,0.3", 4), [0, 1, 2, 4]);
  });
});

describe("roundHalfEven(x)", () => {
  it("rounds halves to the even neighbour like Python's round()", () => {
    assert.deepEqual([0.5, 1.5, 2.5, 3.5, 4.5, 2.4999999999999996, 2.5000000000000004, 0].map(roundHalfEven), [0, 2, 2, 4, 4, 2, 3, 0]);
  });
});

describe("getRawDatasetSplitIndex(seed, dataSplit, splitIndex, size)", () => {
  it("gives every split's indices exactly as numpy slices them, negative first boundaries included", () => {
    for (const {seed, size, dataSplit, parts} of vectors.splits) {
      const all = getRawDatasetSplitIndices(seed, dataSplit, size);
      assert.equal(all.length, parts.length);
      parts.forEach((expected, k) => {
        const context = `seed ${seed}, "${dataSplit}" over ${size}, split ${k}`;
        assertDescribed(all[k], expected, context);
        if (k === 0) assertDescribed(getRawDatasetSplitIndex(seed, dataSplit, k, size), expected, context);
      });
    }
  });

  it("refuses a split index the data_split does not have, naming DS-Chat's failure", () => {
    assert.throws(() => getRawDatasetSplitIndex(1234, "9,1", 2, 100), /2 parts.*phase 3.*FileNotFoundError/s);
    assert.throws(() => getRawDatasetSplitIndex(1234, "2,4,4", -1, 100), /no split -1/);
  });
});

describe("indexFileName(outputPath, datasetNameClean, seed, splitName, dataSplit, splitIndex)", () => {
  it("names files like DS-Chat's f-string", () => {
    assert.equal(indexFileName("/tmp/data_files", "Dahoas_rm_static", 1234, "train", "2,4,4", 0), "/tmp/data_files/Dahoas_rm_static_seed1234_train_2,4,4_0.npy");
    assert.equal(indexFileName("/tmp/data_files/", "jsonfile", 42, "eval", "10,0,0", 2), "/tmp/data_files//jsonfile_seed42_eval_10,0,0_2.npy");
    assert.equal(indexFileName("out", "mkqa", null, "train_eval", "9,1", 1), "out/mkqa_seedNone_train_eval_9,1_1.npy");
  });
});

describe("encodeNpyUint32(indices)", () => {
  it("writes the bytes np.save writes", () => {
    for (const {seed, size, base64} of vectors.npy) {
      const bytes = encodeNpyUint32(getShuffleIdx(seed, size));
      assert.equal(Buffer.from(bytes).toString("base64"), base64, `size ${size}`);
    }
  });

  it("encodes a subarray view without its neighbours", () => {
    const whole = getShuffleIdx(1234, 1000);
    assert.deepEqual(decodeNpyUint32(encodeNpyUint32(whole.subarray(10, 20))), whole.slice(10, 20));
  });

  it("keeps the header 64-byte aligned for any length", () => {
    for (const length of [0, 9, 10 ** 9]) {
      const header = encodeNpyUint32(new Uint32Array(length > 100 ? 0 : length)).subarray(0, 128);
      assert.equal((header[8] | (header[9] << 8)) + 10, 128);
    }
  });
});

describe("decodeNpyUint32(bytes, source)", () => {
  it("reads numpy's files back", () => {
    for (const {seed, size, base64} of vectors.npy) {
      assert.deepEqual(decodeNpyUint32(new Uint8Array(Buffer.from(base64, "base64"))), getShuffleIdx(seed, size));
    }
  });

  it("names the file and the problem for foreign or damaged files", () => {
    assert.throws(() => decodeNpyUint32(new TextEncoder().encode("hello world"), "x.npy"), /x\.npy: not a \.npy file/);
    const good = encodeNpyUint32(new Uint32Array([1, 2, 3]));
    assert.throws(() => decodeNpyUint32(good.subarray(0, good.length - 2), "y.npy"), /y\.npy: header says 3 indices.*truncated/);
    const int64 = good.slice();
    int64.set(new TextEncoder().encode("<i8"), 20);
    assert.throws(() => decodeNpyUint32(int64, "z.npy"), /z\.npy: header .* is not a 1-D '<u4' array/);
  });
});

describe("datasetNameClean(dataPath)", () => {
  it("names all 16 built-ins", () => {
    assert.deepEqual(BUILTIN_DATASETS.map((dataset) => datasetNameClean(dataset.match)), [
      "Dahoas_rm_static", "Dahoas_full_hh_rlhf", "Dahoas_synthetic_instruct_gptj_pairwise", "yitingxie_rlhf_reward_datasets",
      "openai_webgpt_comparisons", "stanfordnlp_SHP", "pvduy_sharegpt_alpaca_oa_vicuna_format", "wangrui6_Zhihu_KOL",
      "Cohere_miracl_zh_queries_22_12", "Hello_SimpleAI_HC3_Chinese", "mkqa", "mkqa", "Cohere_miracl_ja_queries_22_12",
      "lmqg_qg_jaquad", "lmqg_qag_jaquad", "jsonfile"
    ]);
  });

  it("dispatches on substrings in DS-Chat's order", () => {
    assert.equal(datasetNameClean("./cache/Dahoas/rm-static"), "Dahoas_rm_static");
    assert.equal(datasetNameClean("local/jsonfile/Dahoas/rm-static"), "Dahoas_rm_static");
    assert.equal(datasetNameClean("mkqa-Japanese"), "mkqa");
  });

  it("refuses unknown names with DS-Chat's message and the way out", () => {
    assert.throws(
      () => datasetNameClean("my/data"),
      /We do not have configs for dataset my\/data, but you can add it by yourself in raw_datasets\.py\..*local\/jsonfile/s
    );
    assert.throws(() => datasetNameClean("dahoas/rm-static"), /We do not have configs/);
  });
});

function toPhaseDataset(spec: DatasetSpec): PhaseDataset {
  const {drop} = spec;
  return {
    name: spec.name,
    trainSize: spec.trainSize,
    evalSize: spec.evalSize,
    keepsRow: drop ? (_split, row) => row % drop.every !== drop.offset : undefined
  };
}

describe("selectPhaseRows(options)", () => {
  for (const expected of vectors.phases) {
    it(`matches DS-Chat's create_prompt_dataset: ${expected.label}`, () => {
      const selection = selectPhaseRows({
        datasets: expected.datasets.map(toPhaseDataset),
        sftOnly: expected.sftOnly?.map(toPhaseDataset),
        dataSplit: expected.dataSplit,
        phase: expected.phase,
        seed: expected.seed
      });
      assert.deepEqual(selection.train.map(({dataset, split, row}) => [dataset, split, row]), expected.train, "train rows");
      assert.deepEqual(selection.eval.map(({dataset, split, row}) => [dataset, split, row]), expected.eval, "eval rows");
      const files = selection.files
        .map((file) => ({name: file.name, length: file.indices.length, sha256: sha256(encodeNpyUint32(file.indices))}))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      assert.deepEqual(files, expected.files, "index files, byte for byte");
    });
  }

  const rmStatic: PhaseDataset = {name: "Dahoas_rm_static", trainSize: 100, evalSize: 10};

  it("refuses seed None with the reason", () => {
    assert.throws(() => selectPhaseRows({datasets: [rmStatic], dataSplit: "2,4,4", phase: 3, seed: null as unknown as number}), /seed is None/);
  });

  it("refuses a phase the data_split has no part for, and no datasets", () => {
    assert.throws(() => selectPhaseRows({datasets: [rmStatic], dataSplit: "9,1", phase: 3, seed: 1}), /phase 3.*FileNotFoundError/s);
    assert.throws(() => selectPhaseRows({datasets: [], dataSplit: "2,4,4", phase: 1, seed: 1}), /at least one --data_path/);
  });

  it("refuses two datasets whose index files would collide with different sizes", () => {
    const other = {...rmStatic, trainSize: 90};
    assert.throws(
      () => selectPhaseRows({datasets: [rmStatic, other], dataSplit: "2,4,4", phase: 1, seed: 1}),
      /dataset 1 \(Dahoas_rm_static\) and dataset 2 \(Dahoas_rm_static\) share dataset_name_clean.*100 and 90 train rows/s
    );
    const json = {name: "jsonfile", trainSize: 50, evalSize: 5};
    assert.doesNotThrow(() => selectPhaseRows({datasets: [json, {...json, trainSize: 40}], dataSplit: "2,4,4", phase: 1, seed: 1}));
  });

  it("refuses names that cannot be file names", () => {
    assert.throws(() => selectPhaseRows({datasets: [{...rmStatic, name: "Dahoas/rm-static"}], dataSplit: "2,4,4", phase: 1, seed: 1}), /without "\/"/);
  });

  it("keeps each dataset's phase partitions disjoint and complete across phases", () => {
    const datasets: PhaseDataset[] = [rmStatic, {name: "openai_webgpt_comparisons", trainSize: 77, evalSize: null}];
    const seen = new Set<string>();
    for (const phase of [1, 2, 3] as const) {
      for (const {dataset, split, row} of selectPhaseRows({datasets, dataSplit: "2,4,4", phase, seed: 1234}).train) {
        const key = `${dataset}/${split}/${row}`;
        assert.ok(!seen.has(key), `${key} used twice`);
        seen.add(key);
      }
    }
    assert.equal(seen.size, 100 + 69); // webgpt: 9:1 of 77 leaves 69 train rows
  });
});
