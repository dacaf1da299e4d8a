import assert from "node:assert/strict";
import {mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, describe, it} from "node:test";
import {computePartitionStats} from "../../src/core/stats/computeStats.js";
import {buildDsChatTokenizer} from "../../src/core/tokenize/buildDsChatTokenizer.js";
import {byteLevelBpeTokenizerJson} from "../../src/core/tokenize/byteLevelBpeJson.js";
import {countPieces, type DsChatTokenizer, encodeWithSpecialTokens, truncateWithSpecialTokens} from "../../src/core/tokenize/dschatTokenizer.js";
import {localJsonStrings} from "../../src/core/formats/toLocalJsonRow.js";
import {firstDivergence, measureRow, MEASURE_STRIDE, packRowMeasure, unpackRowMeasure} from "../../src/core/tokenize/measureRow.js";
import {modelFamilyOf} from "../../src/core/models/modelFamilyOf.js";
import {resizedVocabSize} from "../../src/core/models/modelArchitecture.js";
import {usesLlamaTokenizer} from "../../src/core/tokenize/tokenizerRules.js";
import {speedUpTokenizer} from "../../src/core/tokenize/speedUpTokenizer.js";
import {byteLevelBpeEncoder, splitByIndexOf} from "../../src/core/tokenize/byteLevelBpeEncoder.js";
import {fromPortableTokenizer, toPortableTokenizer} from "../../src/core/tokenize/portableTokenizer.js";
import {Tokenizer} from "@huggingface/tokenizers";
import {loadTokenizer} from "../../loaders/tokenizer/loadTokenizer.js";
import {findInHfCache, hfHubCache, resolveTokenizer} from "../../loaders/tokenizer/resolveTokenizer.js";
import type {LocalJsonRow, Phase} from "../../src/core/canonical.js";

const gpt2 = loadTokenizer(await resolveTokenizer("gpt2"), "gpt2");
const opt = loadTokenizer(await resolveTokenizer("gpt2"), "facebook/opt-1.3b");
const gpt2Files = await resolveTokenizer("gpt2");
const llamaFiles = await resolveTokenizer("llama2");
const llama = loadTokenizer(llamaFiles, "meta-llama/Llama-2-7b-hf");
const limits = {maxSeqLen: 512, maxPromptSeqLen: 256};
const row: LocalJsonRow = {prompt: "Human: What is the capital of France? Assistant:", chosen: "Paris.", rejected: "Lyon."};

/** A character-level tokenizer without BOS, to reach cases real BPE vocabularies make hard to hit. */
const chars: DsChatTokenizer = {
  modelName: "char",
  family: null,
  encode: (text) => [...text].map((c) => c.codePointAt(0)!),
  prefixIds: [],
  suffixIds: [],
  eosToken: "\u0003",
  padId: 3,
  vocabSize: 256,
  addsPadToken: false,
  description: "test"
};

describe("modelFamilyOf(modelName)", () => {
  it("reads the family from common model names", () => {
    assert.equal(modelFamilyOf("facebook/opt-1.3b"), "opt");
    assert.equal(modelFamilyOf("AdamG012/chat-opt-350m-reward-deepspeed"), "opt");
    assert.equal(modelFamilyOf("meta-llama/Llama-2-7b-hf"), "llama");
    assert.equal(modelFamilyOf("gpt2-xl"), "gpt2");
    assert.equal(modelFamilyOf("bigscience/bloom-560m"), "bloom");
    assert.equal(modelFamilyOf("EleutherAI/pythia-1b"), "gpt_neox");
    assert.equal(modelFamilyOf("EleutherAI/gpt-j-6b"), "gptj");
    assert.equal(modelFamilyOf("THUDM/chatglm3-6b"), "chatglm");
    assert.equal(modelFamilyOf("Qwen/Qwen2.5-0.5B"), "qwen2");
    assert.equal(modelFamilyOf("./output/actor"), null);
  });
});

describe("usesLlamaTokenizer(modelName)", () => {
  it("is DS-Chat's case-sensitive substring test", () => {
    assert.equal(usesLlamaTokenizer("meta-llama/Llama-2-7b-hf"), true);
    assert.equal(usesLlamaTokenizer("NousResearch/Llama-2-7b-hf"), false);
  });
});

describe("resizedVocabSize(tokenizerLength)", () => {
  it("rounds up to a multiple of 8", () => {
    assert.equal(resizedVocabSize(32001), 32008);
    assert.equal(resizedVocabSize(50257), 50264);
    assert.equal(resizedVocabSize(50272), 50272);
  });
});

describe("buildDsChatTokenizer(tokenizerJson, config, {modelName})", () => {
  it("GPT-2 adds no BOS; EOS and pad are <|endoftext|>, a single token", () => {
    assert.deepEqual(gpt2.prefixIds, []);
    assert.equal(gpt2.eosToken, "<|endoftext|>");
    assert.equal(gpt2.padId, 50256);
    assert.equal(countPieces(gpt2, "<|endoftext|>"), 1);
    assert.equal(gpt2.vocabSize, 50257);
    assert.deepEqual(encodeWithSpecialTokens(gpt2, " Human:"), [5524, 25]);
  });

  it("OPT on the GPT-2 vocabulary adds </s> as BOS = EOS = pad and splits <|endoftext|> into 7 tokens (#496)", () => {
    assert.equal(opt.prefixIds.length, 1);
    assert.equal(opt.eosToken, "</s>");
    assert.equal(opt.padId, opt.prefixIds[0]);
    assert.equal(countPieces(opt, "</s>"), 1);
    assert.equal(countPieces(opt, "<|endoftext|>"), 7);
    assert.equal(opt.vocabSize, 50265);
    assert.match(opt.description, /OPT emulated/);
    const text = " Human: hi Assistant: yo";
    assert.deepEqual(encodeWithSpecialTokens(opt, text).slice(1), gpt2.encode(text), "same BPE as GPT-2 after the BOS");
  });

  it("Llama names add <s> and DS-Chat's [PAD] (vocab 32000 → 32001 → embeddings 32008)", () => {
    assert.deepEqual(llama.prefixIds, [1]);
    assert.equal(llama.eosToken, "</s>");
    assert.equal(llama.addsPadToken, true);
    assert.equal(llama.padId, 32000);
    assert.equal(llama.vocabSize, 32001);
    assert.equal(resizedVocabSize(llama.vocabSize), 32008);
    assert.equal(countPieces(llama, "<|endoftext|>"), 7);
    assert.deepEqual(llama.encode("a [PAD] b").filter((id) => id === 32000), [32000], "[PAD] is a special token once added");
  });

  it("a Llama model whose name lacks lowercase 'llama' gets pad = EOS and no [PAD]", () => {
    const other = loadTokenizer(llamaFiles, "NousResearch/Llama-2-7b-hf");
    assert.equal(other.addsPadToken, false);
    assert.equal(other.padId, 2);
    assert.equal(other.vocabSize, 32000);
  });

  it("--add_eot_token makes <|endoftext|> one special token; a token new to the vocabulary adds one row", () => {
    const llamaEot = loadTokenizer(llamaFiles, "meta-llama/Llama-2-7b-hf", "<|endoftext|>");
    assert.equal(countPieces(llamaEot, "<|endoftext|>"), 1);
    assert.equal(llamaEot.vocabSize, 32002, "[PAD] first, then the EOT token");
    assert.equal(llamaEot.padId, 32000);
    const optEot = loadTokenizer(gpt2Files, "facebook/opt-1.3b", "<|endoftext|>");
    assert.equal(countPieces(optEot, "<|endoftext|>"), 1);
    assert.equal(optEot.vocabSize, 50265, "already in the vocabulary: marked special, no new row");
    assert.equal(loadTokenizer(gpt2Files, "gpt2", "<|endoftext|>").vocabSize, 50257);
  });

  it("refuses a tokenizer without any EOS it can find", () => {
    const json = JSON.parse(readFileSync(llamaFiles.tokenizerJsonPath!, "utf8"));
    json.added_tokens = [];
    assert.throws(() => buildDsChatTokenizer(json, {}, {modelName: "x/custom", source: "custom.json"}), /custom\.json: no eos_token/);
  });
});

describe("truncateWithSpecialTokens(tokenizer, textIds, maxLength)", () => {
  it("keeps the BOS and cuts the text on the right", () => {
    assert.deepEqual(truncateWithSpecialTokens(llama, [10, 11, 12, 13], 3), [1, 10, 11]);
    assert.deepEqual(truncateWithSpecialTokens(gpt2, [10, 11, 12, 13], 3), [10, 11, 12]);
    assert.deepEqual(truncateWithSpecialTokens(gpt2, [10, 11], 3), [10, 11]);
  });
});

describe("firstDivergence(a, b, padId)", () => {
  it("compares right-padded sequences", () => {
    assert.equal(firstDivergence([1, 2, 3], [1, 2, 4], 0), 2);
    assert.equal(firstDivergence([1, 2], [1, 2, 0], 0), -1);
    assert.equal(firstDivergence([1, 2], [1, 2, 5], 0), 2);
    assert.equal(firstDivergence([7], [8], 0), 0);
  });
});

/** Partition stats of a few rows, all measured, as the stats command computes them. */
function statsFor(measureTokenizer: DsChatTokenizer, phase: Phase, rows: LocalJsonRow[], sequenceLimits = limits) {
  const identified = rows.map((r, i) => ({id: `train.json:${i + 1}`, row: r}));
  const measured = identified.map((r) => ({...r, measure: measureRow(localJsonStrings(r.row), phase, measureTokenizer, sequenceLimits), scriptClass: 0}));
  return computePartitionStats({phase, split: "train", rows: identified, usable: measured.length, measured}, sequenceLimits);
}

describe("measureRow(strings, phase, tokenizer, limits)", () => {
  it("phase 1 = BOS + P&C + EOS; GPT-2 has no BOS, OPT and Llama add one", () => {
    const text = localJsonStrings(row).promptAndChosen!;
    assert.equal(measureRow(localJsonStrings(row), 1, gpt2, limits).fullTokens, gpt2.encode(text).length + 1);
    assert.equal(measureRow(localJsonStrings(row), 1, opt, limits).fullTokens, gpt2.encode(text).length + 2);
    assert.equal(measureRow(localJsonStrings(row), 1, llama, limits).fullTokens, llama.encode(text).length + 2);
  });

  it("phase 2 appends the literal <|endoftext|>: 1 token for GPT-2, 7 for OPT", () => {
    const plain = {...row, chosen: "Paris"};
    const g = measureRow(localJsonStrings(plain), 2, gpt2, limits);
    const o = measureRow(localJsonStrings(plain), 2, opt, limits);
    assert.equal(o.fullTokens! - g.fullTokens!, 1 + 6, "OPT: one BOS more and six more end-token pieces");
    assert.equal(g.chosenTokens, gpt2.encode(" Paris").length);
    assert.ok(g.divergenceIndex! > 0);
    // After "." the pieces merge with the text ("Paris.<|" → ".<|"): why each sequence is encoded whole.
    const merged = measureRow(localJsonStrings(row), 2, opt, limits).fullTokens! - measureRow(localJsonStrings(row), 2, gpt2, limits).fullTokens!;
    assert.equal(merged, 1 + 5);
  });

  it("a row one token longer than max_seq_len is truncated (its EOS lost); exactly max_seq_len is not", () => {
    const length = measureRow(localJsonStrings(row), 1, opt, limits).fullTokens!;
    assert.equal(statsFor(opt, 1, [row], {maxSeqLen: length, maxPromptSeqLen: 256}).truncated!.count, 0);
    const cut = statsFor(opt, 1, [row], {maxSeqLen: length - 1, maxPromptSeqLen: 256});
    assert.equal(cut.truncated!.count, 1);
    assert.deepEqual(cut.examples.truncated, ["train.json:1"]);
  });

  it("phase 3 keeps a prompt of exactly max_prompt_seq_len tokens and drops one token more", () => {
    const length = measureRow(localJsonStrings(row), 3, llama, limits).fullTokens!;
    assert.equal(length, llama.encode(" " + row.prompt).length + 1, "prompt + <s>, no EOS");
    assert.equal(statsFor(llama, 3, [row], {maxSeqLen: 512, maxPromptSeqLen: length}).dropped!.count, 0);
    assert.equal(statsFor(llama, 3, [row], {maxSeqLen: 512, maxPromptSeqLen: length - 1}).dropped!.count, 1);
  });

  it("pairs equal after truncation are identical (-1), not a crash", () => {
    const long = {prompt: "Human: " + "tell me more ".repeat(50) + "Assistant:", chosen: "Yes.", rejected: "No."};
    assert.equal(measureRow(localJsonStrings(long), 2, gpt2, {maxSeqLen: 32, maxPromptSeqLen: 16}).divergenceIndex, -1);
    assert.equal(measureRow(localJsonStrings({...row, rejected: row.chosen}), 2, gpt2, limits).divergenceIndex, -1);
  });

  it("without a BOS, pairs whose first token differs diverge at 0 (DS-Chat's assert fails); a BOS prevents it", () => {
    // The char tokenizer keeps DS-Chat's leading " ", so it is prompt text that must differ: a pair the prompt-less
    // strings of a 9:1 dataset could produce. local/jsonfile always shares " " + prompt, hence this synthetic tokenizer.
    const noSpace: DsChatTokenizer = {...chars, encode: (text) => chars.encode(text.trimStart())};
    const pair = {prompt: "", chosen: "Yes", rejected: "No"};
    assert.equal(measureRow(localJsonStrings(pair), 2, noSpace, limits).divergenceIndex, 0);
    assert.equal(measureRow(localJsonStrings(pair), 2, {...noSpace, prefixIds: [1]}, limits).divergenceIndex, 1);
    assert.equal(statsFor(noSpace, 2, [pair]).divergenceAtStart!.count, 1);
  });

  it("flags the pad token inside the text but not DS-Chat's own end token", () => {
    assert.equal(measureRow(localJsonStrings(row), 2, gpt2, limits).padInText, false);
    assert.equal(measureRow(localJsonStrings({...row, chosen: "Paris.<|endoftext|> more"}), 2, gpt2, limits).padInText, true);
    assert.equal(measureRow(localJsonStrings({...row, prompt: "Human: a</s>b Assistant:"}), 3, opt, limits).padInText, true);
  });

  it("skips rows whose phase strings are None", () => {
    assert.equal(measureRow(localJsonStrings({...row, rejected: null}), 2, gpt2, limits).fullTokens, null);
    assert.equal(measureRow(localJsonStrings({...row, prompt: null}), 1, gpt2, limits).fullTokens, null);
    assert.notEqual(measureRow(localJsonStrings({...row, rejected: null}), 1, gpt2, limits).fullTokens, null);
  });
});

describe("speedUpTokenizer(tokenizer)", () => {
  it("keeps the ids of an untouched tokenizer, cache hits included", () => {
    const rows = readFileSync("test/fixtures/converted/hh-rlhf-240/train.json", "utf8").trim().split("\n").slice(0, 30).map((line) => JSON.parse(line) as LocalJsonRow);
    for (const files of [gpt2Files, llamaFiles]) {
      const json = JSON.parse(readFileSync(files.tokenizerJsonPath!, "utf8"));
      const config = JSON.parse(readFileSync(files.tokenizerConfigPath!, "utf8"));
      const stock = new Tokenizer(json, config);
      const fast = new Tokenizer(json, config);
      speedUpTokenizer(fast);
      assert.equal((fast.model as unknown as {cache: object}).cache.constructor, Object, "the flat cache is installed");
      for (const pass of [1, 2]) {
        for (const r of rows) {
          const text = localJsonStrings(r).promptAndRejected!;
          assert.deepEqual(fast.encode(text).ids, stock.encode(text).ids, `pass ${pass}`);
        }
      }
    }
  });
});

describe("byteLevelBpeEncoder(tokenizer, json)", () => {
  const json = JSON.parse(readFileSync(gpt2Files.tokenizerJsonPath!, "utf8"));
  const config = JSON.parse(readFileSync(gpt2Files.tokenizerConfigPath!, "utf8"));
  const stock = new Tokenizer(json, config);
  const stockIds = (text: string) => stock.encode(text, {add_special_tokens: false}).ids;
  const hh = readFileSync("test/fixtures/converted/hh-rlhf-240/train.json", "utf8").trim().split("\n").slice(0, 40).map((line) => localJsonStrings(JSON.parse(line) as LocalJsonRow));
  const chinese = readFileSync("test/fixtures/belle/eval_set.json", "utf8").trim().split("\n").slice(0, 10).map((line) => JSON.stringify(JSON.parse(line)));
  const tricky = [
    "a  b\n\n  c   ", "  ", "", "\n", "<|endoftext|><|endoftext|>x<|endof", "x<|endoftext|> y", "don't you'll I'M 's", "日本語のテキスト 🤖🤖 emoji\u00a0nbsp \t\ttabs",
    "x".repeat(400), " ".repeat(300) + "!".repeat(200), "\ud83d lone surrogate \udc00", "1234567890 3.14159 ½ Ⅻ"
  ];
  const texts = [...hh.flatMap((s) => [s.prompt!, s.promptAndRejected! + "<|endoftext|>"]), ...chinese, ...tricky];

  it("gives the unmodified library's ids on real fixture text and edge cases, cache hits included", () => {
    const fast = byteLevelBpeEncoder(new Tokenizer(json, config), json);
    assert.ok(fast, "GPT-2's tokenizer.json takes the fast path");
    for (const pass of [1, 2]) for (const text of texts) assert.deepEqual(fast.encode(text), stockIds(text), `pass ${pass}: ${JSON.stringify(text.slice(0, 60))}`);
    assert.ok(gpt2.encodeAfter && opt.encodeAfter, "loadTokenizer installs it for GPT-2 and OPT");
    assert.equal(llama.encodeAfter, undefined, "Llama's SentencePiece-style tokenizer keeps the library's encoder");
  });

  it("encodeAfter(prefix, prefixIds, suffix) equals encode(prefix + suffix) at every kind of join", () => {
    const fast = byteLevelBpeEncoder(new Tokenizer(json, config), json)!;
    const joins: [string, string][] = [
      ["Human: hi Assistant:", " Paris.<|endoftext|>"], // reusable: non-space then space
      ["Human: hi Assistant: ", " Paris."], // space before the join: whitespace runs merge
      ["Human: hi Assistant:", "Paris."], // punctuation then letters
      ["word", "s and more"], // a letter run spans the join
      ["ends with <|endof", "text|> split token"], // an added token spans the join
      ["tab\t", "\tnext"], ["x", "\n\nHuman:"], ["don", "'t"], ["", " empty prefix"], ["no suffix", ""]
    ];
    for (const s of hh.slice(0, 10)) joins.push([s.prompt!, s.promptAndChosen!.slice(s.prompt!.length) + "<|endoftext|>"]);
    for (const [prefix, suffix] of joins) {
      assert.deepEqual(fast.encodeAfter(prefix, fast.encode(prefix), suffix), stockIds(prefix + suffix), JSON.stringify([prefix.slice(-30), suffix.slice(0, 30)]));
    }
  });

  it("measureRow gives the same lengths with and without prompt reuse", () => {
    const plain: DsChatTokenizer = {...gpt2, encodeAfter: undefined};
    for (const strings of hh.slice(0, 20)) {
      for (const phase of [1, 2, 3] as Phase[]) assert.deepEqual(measureRow(strings, phase, gpt2, limits), measureRow(strings, phase, plain, limits));
    }
  });

  it("declines tokenizers it does not reproduce exactly", () => {
    const withNormalizer = {...json, normalizer: {type: "NFC"}};
    assert.equal(byteLevelBpeEncoder(new Tokenizer(withNormalizer, config), withNormalizer), null);
    const prefixSpace = {...json, pre_tokenizer: {...json.pre_tokenizer, add_prefix_space: true}};
    assert.equal(byteLevelBpeEncoder(new Tokenizer(prefixSpace, config), prefixSpace), null);
  });
});

describe("fromPortableTokenizer(structuredClone(toPortableTokenizer(tokenizer)))", () => {
  it("rebuilds the same tokenizer from data a worker can receive; the library's encoder does not travel", () => {
    const rebuilt = fromPortableTokenizer(structuredClone(toPortableTokenizer(opt)!));
    const {encode: _a, encodeAfter: _b, bpeTables: _c, ...facts} = opt;
    const {encode: _d, encodeAfter: _e, bpeTables: _f, ...rebuiltFacts} = rebuilt;
    assert.deepEqual(rebuiltFacts, facts);
    const rows = readFileSync("test/fixtures/converted/hh-rlhf-240/train.json", "utf8").trim().split("\n").slice(0, 20).map((line) => localJsonStrings(JSON.parse(line) as LocalJsonRow));
    for (const strings of rows) for (const phase of [1, 2, 3] as Phase[]) assert.deepEqual(measureRow(strings, phase, rebuilt, limits), measureRow(strings, phase, opt, limits));
    assert.equal(toPortableTokenizer(llama), null);
  });
});

describe("splitByIndexOf(text, tokens)", () => {
  it("splits at the leftmost added token, the longest one where several start", () => {
    assert.deepEqual(splitByIndexOf("a<s>b</s><s>>c", ["<s>", "<s>>", "</s>"]), ["a", "<s>", "b", "</s>", "<s>>", "c"]);
    assert.deepEqual(splitByIndexOf("plain", ["<s>"]), ["plain"]);
    assert.deepEqual(splitByIndexOf("<s>", ["<s>"]), ["<s>"]);
  });
});

describe("packRowMeasure(measure, scriptClass, into, offset)", () => {
  it("round-trips through the worker's Int32Array", () => {
    const measure = measureRow(localJsonStrings(row), 2, gpt2, limits);
    const packed = new Int32Array(2 * MEASURE_STRIDE);
    packRowMeasure(measure, 1, packed, MEASURE_STRIDE);
    assert.deepEqual(unpackRowMeasure(packed, MEASURE_STRIDE), {measure, scriptClass: 1});
  });
});

describe("byteLevelBpeTokenizerJson(vocab, mergesText, config)", () => {
  const dir = mkdtempSync(join(tmpdir(), "dschat-studio-bpe-"));
  after(() => rmSync(dir, {recursive: true, force: true}));
  const vocab = JSON.parse(readFileSync("test/fixtures/deepspeed-gpt2-tokenizer/gpt2-vocab.json", "utf8")) as Record<string, number>;
  const merges = readFileSync("test/fixtures/deepspeed-gpt2-tokenizer/gpt2-merges.txt", "utf8");
  const rows = readFileSync("test/fixtures/converted/hh-rlhf-240/train.json", "utf8").trim().split("\n").slice(0, 40).map((line) => JSON.parse(line) as LocalJsonRow);

  it("builds GPT-2's tokenizer from vocab.json + merges.txt: same ids as its tokenizer.json", async () => {
    const gpt2Dir = join(dir, "gpt2");
    mkdirSync(gpt2Dir);
    writeFileSync(join(gpt2Dir, "vocab.json"), JSON.stringify(vocab));
    writeFileSync(join(gpt2Dir, "merges.txt"), merges);
    writeFileSync(join(gpt2Dir, "tokenizer_config.json"), JSON.stringify({bos_token: "<|endoftext|>", eos_token: "<|endoftext|>", unk_token: "<|endoftext|>"}));
    const files = await resolveTokenizer(gpt2Dir);
    assert.equal(files.tokenizerJsonPath, null);
    const fromVocab = loadTokenizer(files, "gpt2");
    assert.deepEqual(fromVocab.prefixIds, []);
    assert.equal(fromVocab.eosToken, "<|endoftext|>");
    // DeepSpeed's test copy of the vocabulary lacks "Ġgazed", so <|endoftext|> is 50255 there, not 50256.
    assert.equal(fromVocab.padId, 50255);
    for (const r of rows) {
      const text = localJsonStrings(r).promptAndChosen!;
      assert.deepEqual(fromVocab.encode(text).map((id) => (id === 50255 ? 50256 : id)), gpt2.encode(text));
    }
  });

  it("an OPT-style vocabulary gets </s> as BOS even without add_bos_token, and <|endoftext|> stays 7 pieces", () => {
    const extended = {...vocab, "<s>": 50256, "<pad>": 50257, "</s>": 50258, "<unk>": 50259};
    const json = byteLevelBpeTokenizerJson(extended, merges, {bos_token: "</s>", eos_token: "</s>", pad_token: "<pad>", unk_token: "</s>"});
    const optLike = buildDsChatTokenizer(json, {bos_token: "</s>", eos_token: "</s>", pad_token: "<pad>"}, {modelName: "facebook/opt-125m", source: "test"});
    assert.deepEqual(optLike.prefixIds, [50258]);
    assert.equal(optLike.padId, 50258, "DS-Chat sets pad = eos for OPT");
    assert.equal(countPieces(optLike, "<|endoftext|>"), 7);
    assert.match(optLike.description, /<\/s>" prepended as OPT's BOS/);
    const withBos = byteLevelBpeTokenizerJson(extended, merges, {bos_token: "</s>", add_bos_token: true});
    assert.deepEqual(buildDsChatTokenizer(withBos, {eos_token: "</s>"}, {modelName: "facebook/opt-125m", source: "test"}).prefixIds, [50258]);
  });
});

describe("resolveTokenizer(spec, {env, download, fetch})", () => {
  const home = mkdtempSync(join(tmpdir(), "dschat-studio-hf-"));
  after(() => rmSync(home, {recursive: true, force: true}));
  const env = {HF_HOME: home};

  it("resolves a file, a folder and a short name", async () => {
    const folder = await resolveTokenizer(join("node_modules", "@lenml", "tokenizer-gpt2", "models"));
    assert.match(folder.tokenizerJsonPath!, /tokenizer-gpt2[/\\]models[/\\]tokenizer\.json$/);
    assert.ok(folder.tokenizerConfigPath);
    const file = await resolveTokenizer(folder.tokenizerJsonPath!);
    assert.equal(file.tokenizerJsonPath, folder.tokenizerJsonPath);
    assert.equal((await resolveTokenizer("llama2")).impliedModelName, "meta-llama/Llama-2-7b-hf");
  });

  it("finds a model in the Hugging Face cache, preferring the snapshot refs/main points at", async () => {
    const repo = join(hfHubCache(env), "models--org--tiny");
    for (const snapshot of ["aaa", "bbb"]) {
      mkdirSync(join(repo, "snapshots", snapshot), {recursive: true});
      writeFileSync(join(repo, "snapshots", snapshot, "tokenizer.json"), "{}");
    }
    mkdirSync(join(repo, "refs"), {recursive: true});
    writeFileSync(join(repo, "refs", "main"), "aaa");
    assert.match(findInHfCache("org/tiny", env)!.tokenizerJsonPath!, /snapshots[/\\]aaa[/\\]tokenizer\.json$/);
    assert.equal((await resolveTokenizer("org/tiny", {env})).impliedModelName, "org/tiny");
  });

  it("downloads only with download: true, into the cache layout", async () => {
    await assert.rejects(resolveTokenizer("org/absent", {env}), /not in the Hugging Face cache.*--download/s);
    const requested: string[] = [];
    const fetch = (async (url: string) => {
      requested.push(url);
      if (url.endsWith("tokenizer_config.json")) return new Response("missing", {status: 404});
      return new Response('{"model": {}}', {headers: {"x-repo-commit": "c".repeat(40)}});
    }) as typeof globalThis.fetch;
    const files = await resolveTokenizer("org/absent", {env, download: true, fetch});
    assert.deepEqual(requested, ["https://huggingface.co/org/absent/resolve/main/tokenizer.json", "https://huggingface.co/org/absent/resolve/main/tokenizer_config.json"]);
    assert.equal(files.tokenizerConfigPath, null);
    assert.equal(readFileSync(files.tokenizerJsonPath!, "utf8"), '{"model": {}}');
    assert.equal(findInHfCache("org/absent", env)?.tokenizerJsonPath, files.tokenizerJsonPath);
  });

  it("downloads vocab.json + merges.txt where the repository has no tokenizer.json (facebook/opt-*)", async () => {
    const fetch = (async (url: string) => {
      if (url.endsWith("/tokenizer.json") || url.endsWith("special_tokens_map.json")) return new Response("missing", {status: 404});
      return new Response(url.endsWith("merges.txt") ? "#version: 0.2\n" : "{}");
    }) as typeof globalThis.fetch;
    const files = await resolveTokenizer("org/bpe-only", {env, download: true, fetch});
    assert.equal(files.tokenizerJsonPath, null);
    assert.match(files.mergesPath!, /snapshots[/\\]main[/\\]merges\.txt$/);
    assert.equal(files.specialTokensMapPath, null);
  });

  it("says how to fix a path without tokenizer files", async () => {
    await assert.rejects(resolveTokenizer("test/fixtures/converted"), /has no tokenizer\.json \(nor vocab\.json \+ merges\.txt\)/);
  });
});
