import assert from "node:assert/strict";
import {describe, it} from "node:test";
import {familySupport, knownFailuresFor, modelFamilies} from "../../src/core/models/familySupport.js";
import {findModel, requireModel} from "../../src/core/models/findModel.js";
import {loraTargets} from "../../src/core/models/loraTargets.js";
import {parameterCount, resizedVocab, resizedVocabSize} from "../../src/core/models/modelArchitecture.js";
import {modelFamilyOf} from "../../src/core/models/modelFamilyOf.js";
import {modelFromConfig} from "../../src/core/models/modelFromConfig.js";
import {modelRegistry} from "../../src/core/models/modelRegistry.js";

describe("parameterCount(arch)", () => {
  it("is within 2% of the published size for every registry entry", () => {
    for (const model of modelRegistry) {
      const error = Math.abs(parameterCount(model) / model.publishedParams - 1);
      assert.ok(error < 0.02, `${model.id}: computed ${parameterCount(model)} vs published ${model.publishedParams}`);
    }
  });
  it("reproduces exact counts reported by the Hub for well-known checkpoints", () => {
    const exact: Record<string, number> = {
      gpt2: 124439808,
      "facebook/opt-125m": 125239296,
      "bigscience/bloom-560m": 559214592,
      "meta-llama/Llama-2-7b-hf": 6738415616,
      "meta-llama/Meta-Llama-3-8B": 8030261248,
      "EleutherAI/pythia-1b": 1011781632,
      "Qwen/Qwen2.5-7B": 7615616512
    };
    for (const [id, count] of Object.entries(exact)) assert.equal(parameterCount(requireModel(id)), count, id);
  });
});

describe("resizedVocab(arch, addEotToken)", () => {
  it("rounds len(tokenizer) up to a multiple of 8 as DS-Chat's resize_token_embeddings does", () => {
    assert.equal(resizedVocab(requireModel("meta-llama/Llama-2-7b-hf")), 32008);
    assert.equal(resizedVocab(requireModel("facebook/opt-1.3b")), 50272);
    assert.equal(resizedVocab(requireModel("gpt2")), 50264);
    assert.equal(resizedVocab(requireModel("facebook/opt-1.3b"), true), 50272);
    assert.equal(resizedVocab(requireModel("bigscience/bloomz-560m")), 250680);
    // --add_eot_token adds its token before the resize: a full multiple of 8 grows by a whole block.
    assert.equal(resizedVocab({...requireModel("meta-llama/Llama-2-7b-hf"), tokenizerLength: 32000}), 32000);
    assert.equal(resizedVocab({...requireModel("meta-llama/Llama-2-7b-hf"), tokenizerLength: 32000}, true), 32008);
  });
  it("rounds the tokenizer length up to a multiple of 8", () => {
    assert.deepEqual([0, 1, 8, 32001, 50257].map(resizedVocabSize), [0, 8, 8, 32008, 50264]);
  });
});

describe("modelFamilyOf(modelName)", () => {
  it("agrees with the registry: every registered id names its own family", () => {
    for (const model of modelRegistry) assert.equal(modelFamilyOf(model.id), model.family, model.id);
  });
  it("is the function the tokenizer rules import (re-exported by tokenize, not a copy)", () => {
  });
});

describe("findModel(name)", () => {
  it("finds a model by repo id or by its last path part, case-insensitively", () => {
    assert.equal(findModel("facebook/opt-1.3b")?.id, "facebook/opt-1.3b");
    assert.equal(findModel("OPT-1.3B")?.id, "facebook/opt-1.3b");
    assert.equal(findModel("bloomz-560m")?.id, "bigscience/bloomz-560m");
    assert.equal(findModel("nobody/nothing"), undefined);
    assert.throws(() => requireModel("nobody/nothing"), /unknown model "nobody\/nothing".*config\.json/);
  });
});

describe("loraTargets(arch, moduleName, loraDim, model)", () => {
  it("wraps every OPT block linear with DS-Chat's default 'decoder.layers.'", () => {
    const opt = requireModel("facebook/opt-1.3b");
    const targets = loraTargets(opt, "decoder.layers.", 128, "causalLM");
    assert.equal(targets.matchedLinears, 24 * 6);
    const h = 2048;
    assert.equal(targets.loraParams, 24 * 128 * (4 * 2 * h + (h + 4 * h) * 2));
    assert.equal(targets.frozenParams, 24 * (4 * h * h + 2 * h * 4 * h));
    assert.equal(targets.examples[0], "model.decoder.layers.0.self_attn.k_proj");
  });
  it("matches nothing on BLOOM with the default name (the silent no-op lint must flag)", () => {
    const bloom = requireModel("bigscience/bloomz-560m");
    assert.equal(loraTargets(bloom, "decoder.layers.", 128, "causalLM").matchedLinears, 0);
    assert.equal(loraTargets(bloom, familySupport.bloom.loraModuleName, 128, "causalLM").matchedLinears, 24 * 4);
  });
  it("wraps nothing on GPT-2, whose blocks use Conv1D, whatever the name", () => {
    const result = loraTargets(requireModel("gpt2"), "h.", 128, "causalLM");
    assert.equal(result.matchedLinears, 0);
    assert.match(result.reason ?? "", /Conv1D/);
  });
  it("uses the AutoModel prefix for reward and critic models", () => {
    const llama = requireModel("meta-llama/Llama-2-7b-hf");
    assert.equal(loraTargets(llama, "model.layers.", 64, "base").matchedLinears, 0);
    assert.equal(loraTargets(llama, "layers.", 64, "base").matchedLinears, 32 * 7);
  });
});

describe("familySupport", () => {
  it("has an entry for every family with DS-Chat's num_padding_at_beginning rule", () => {
    for (const family of modelFamilies) assert.equal(familySupport[family].numPaddingAtBeginning, family === "opt" ? 1 : 0);
  });
  it("keys known failures on DS-Chat's own substring tests", () => {
    assert.deepEqual(knownFailuresFor("bloom", "bigscience/bloom-560m", 2).map((f) => f.id), ["bloom-step2-rwtranrsformer", "bloom-step2-divergence"]);
    assert.deepEqual(knownFailuresFor("bloom", "bigscience/bloomz-560m", 2).map((f) => f.id), ["bloom-step2-divergence"]);
    assert.deepEqual(knownFailuresFor("bloom", "bigscience/bloomz-560m", 1).map((f) => f.id), ["step1-print-throughput"]);
    assert.deepEqual(knownFailuresFor("opt", "facebook/opt-1.3b", 1), []);
    assert.match(knownFailuresFor("chatglm", "THUDM/chatglm3-6b", 1)[0].message, /trust_remote_code/);
  });
});

describe("modelFromConfig(config, id)", () => {
  it("reads an OPT config.json, including opt-350m's projection and missing final norm", () => {
    const config = {model_type: "opt", num_hidden_layers: 24, hidden_size: 1024, num_attention_heads: 16, ffn_dim: 4096, vocab_size: 50272, max_position_embeddings: 2048, word_embed_proj_dim: 512, do_layer_norm_before: false};
    const arch = modelFromConfig(config, "./my-opt");
    assert.equal(parameterCount(arch), parameterCount(requireModel("facebook/opt-350m")));
  });
  it("reads Llama grouped-query attention and ChatGLM multi-query groups", () => {
    const llama = modelFromConfig({model_type: "llama", num_hidden_layers: 32, hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8, intermediate_size: 14336, vocab_size: 128256, max_position_embeddings: 8192, tie_word_embeddings: false}, "l3");
    assert.equal(parameterCount(llama), 8030261248);
    const glm = modelFromConfig({model_type: "chatglm", num_layers: 28, hidden_size: 4096, num_attention_heads: 32, multi_query_group_num: 2, kv_channels: 128, ffn_hidden_size: 13696, padded_vocab_size: 65024, seq_length: 8192}, "glm");
    assert.equal(parameterCount(glm), parameterCount(requireModel("THUDM/chatglm3-6b")));
  });
  it("names the file and the bad key in its errors", () => {
    assert.throws(() => modelFromConfig({model_type: "t5"}, "x"), /config\.json of x: "model_type" "t5" is not a family/);
    assert.throws(() => modelFromConfig({model_type: "opt", num_hidden_layers: "24"}, "x"), /"num_hidden_layers" must be a positive integer, got "24"/);
    assert.throws(() => modelFromConfig([], "x"), /expected a JSON object/);
  });
});
