import assert from "node:assert/strict";
import {describe, it} from "node:test";
import type {CanonicalRow} from "../../src/core/canonical.js";
import {
  EXCERPT_MAX_CHARS,
  FORMATS_VERSION,
  UNKNOWN_FORMAT,
  detectFormat,
  excerptOf,
  findFormat,
  formats,
  localJsonDeviation,
  localJsonStrings,
  mappingAdapter,
  parseMapping,
  renderDsChat,
  resolveAdapter,
  toLocalJsonRow,
  type ConvertResult,
  columnKind
} from "../../src/core/formats/index.js";
import {fixtureRecords} from "../fixtures/formats/fixtureRecords.js";
import {UserError} from "../../src/core/contract/userError.js";

const context = {source: "inline.jsonl", row: 7, split: null};

function ok(result: ConvertResult): CanonicalRow {
  assert.ok("ok" in result, "reject" in result ? result.reject.reason : "");
  return result.ok;
}

function convert(format: string, record: unknown): CanonicalRow {
  return ok(formats[format].convert(record, context));
}

describe("renderDsChat(conversation, chosen, rejected)", () => {
  it("follows DS-Chat's documented convention", () => {
    assert.deepEqual(renderDsChat([{role: "user", content: "Hi?"}], "Hello.", "Go away."), {
      prompt: " Human: Hi? Assistant:",
      chosen: " Hello.",
      rejected: " Go away.",
      promptAndChosen: " Human: Hi? Assistant: Hello.",
      promptAndRejected: " Human: Hi? Assistant: Go away."
    });
  });
  it("renders multi-turn, system (bare, first) and tool turns (Human side); empty system text vanishes", () => {
    const strings = renderDsChat(
      [
        {role: "system", content: "Be brief."},
        {role: "user", content: "u1"},
        {role: "assistant", content: "call()", name: "function_call"},
        {role: "tool", content: "42", name: "observation"},
        {role: "assistant", content: "a1"},
        {role: "system", content: ""},
        {role: "user", content: "u2"}
      ],
      "a2",
      null
    );
    assert.equal(strings.prompt, " Be brief. Human: u1 Assistant: call() Human: 42 Assistant: a1 Human: u2 Assistant:");
    assert.equal(strings.promptAndChosen, " Be brief. Human: u1 Assistant: call() Human: 42 Assistant: a1 Human: u2 Assistant: a2");
    assert.equal(strings.rejected, null);
    assert.equal(strings.promptAndRejected, null);
  });
});

describe("toLocalJsonRow(row) / localJsonStrings(row) / localJsonDeviation(row)", () => {
  it("strips exactly one leading space, so LocalJsonFileDataset rebuilds the same strings", () => {
    const row = convert("alpaca-preference", {instruction: "  indented", input: "", chosen: " spaced answer", rejected: "b"});
    const local = toLocalJsonRow(row);
    assert.deepEqual(local, {prompt: "Human:   indented Assistant:", chosen: " spaced answer", rejected: "b"});
    assert.deepEqual(localJsonStrings(local), row.dschat);
    assert.equal(localJsonDeviation(row), null);
  });
  it("keeps nulls as nulls", () => {
    assert.deepEqual(localJsonStrings({prompt: "Human: q Assistant:", chosen: null, rejected: null}), {
      prompt: " Human: q Assistant:",
      chosen: null,
      rejected: null,
      promptAndChosen: null,
      promptAndRejected: null
    });
  });
});

describe("generic formats: convert(record, context)", () => {
  it("alpaca: system, history and an [chosen, rejected] ranking output", () => {
    const row = convert("alpaca", {instruction: "And in French?", input: "", output: "Bonjour.", system: "You translate.", history: [["Say hello.", "Hello."]]});
    assert.equal(row.dschat.promptAndChosen, " You translate. Human: Say hello. Assistant: Hello. Human: And in French? Assistant: Bonjour.");
    const ranked = convert("alpaca", {instruction: "Pick", input: "x", output: ["good", "bad"]});
    assert.deepEqual([ranked.chosen, ranked.rejected, ranked.phases], ["good", "bad", [1, 2, 3]]);
    const blank = convert("alpaca", {instruction: "Write a poem", input: "", output: "  "});
    assert.deepEqual([blank.chosen, blank.phases], [null, [3]]);
  });
  it("trl-preference: strings or message lists; a chosen that repeats the prompt uses its last turn", () => {
    const plain = convert("trl-preference", {prompt: "2+2?", chosen: "4", rejected: "5"});
    assert.equal(plain.dschat.promptAndRejected, " Human: 2+2? Assistant: 5");
    const chat = convert("trl-preference", {
      prompt: [{role: "user", content: "2+2?"}],
      chosen: [{role: "user", content: "2+2?"}, {role: "assistant", content: "4"}],
      rejected: [{role: "assistant", content: "5"}]
    });
    assert.deepEqual(chat.dschat, plain.dschat);
  });
  it("trl-implicit-preference: the shared turns are the prompt", () => {
    const row = convert("trl-implicit-preference", {
      chosen: [{role: "user", content: "Hi"}, {role: "assistant", content: "Hello!"}],
      rejected: [{role: "user", content: "Hi"}, {role: "assistant", content: "What?"}]
    });
    assert.deepEqual([row.dschat.prompt, row.chosen, row.rejected], [" Human: Hi Assistant:", "Hello!", "What?"]);
  });
  it("chosen == rejected is kept (lint reports it)", () => {
    const same = [{role: "user", content: "Hi"}, {role: "assistant", content: "Hello!"}];
    const row = convert("trl-implicit-preference", {chosen: same, rejected: same});
    assert.equal(row.chosen, row.rejected);
  });
  it("prompt-completion, prompt-only, question-answer, phoenix-sft", () => {
    assert.equal(convert("prompt-completion", {prompt: "Capital of France?", completion: "Paris."}).dschat.promptAndChosen, " Human: Capital of France? Assistant: Paris.");
    const prompt = convert("prompt-only", {prompt: "Write a limerick."});
    assert.deepEqual([prompt.dschat.prompt, prompt.phases], [" Human: Write a limerick. Assistant:", [3]]);
    assert.equal(convert("question-answer", {query: "q", response: "r"}).dschat.promptAndChosen, " Human: q Assistant: r");
    assert.equal(convert("question-answer", {input: "i", output: "o"}).dschat.promptAndChosen, " Human: i Assistant: o");
    assert.equal(convert("phoenix-sft", {id: "1", type: "Instruction", from_human: "Hola", from_gpt: "¡Hola!"}).dschat.promptAndChosen, " Human: Hola Assistant: ¡Hola!");
    const multi = convert("phoenix-sft", {id: "2", conversations: [{from: "human", value: "a"}, {from: "gpt", value: "b"}]});
    assert.equal(multi.dschat.promptAndChosen, " Human: a Assistant: b");
  });
  it("messages: OpenAI tool_calls become the assistant's text, tool results a Human turn", () => {
    const row = convert("messages", {
      messages: [
        {role: "user", content: "Weather in Oslo?"},
        {role: "assistant", content: null, tool_calls: [{id: "c1", type: "function", function: {name: "weather", arguments: '{"city":"Oslo"}'}}]},
        {role: "tool", tool_call_id: "c1", content: "-3C"},
        {role: "assistant", content: "It is -3°C."}
      ]
    });
    assert.equal(row.dschat.prompt, ' Human: Weather in Oslo? Assistant: [{"name":"weather","arguments":"{\\"city\\":\\"Oslo\\"}"}] Human: -3C Assistant:');
  });
});

describe("detectFormat(sample)", () => {
  const samples: Array<[string, unknown[]]> = [
    ["alpaca-preference", [{instruction: "i", input: "", chosen: "c", rejected: "r"}]],
    ["trl-implicit-preference", [{chosen: [{role: "user", content: "q"}, {role: "assistant", content: "a"}], rejected: [{role: "user", content: "q"}, {role: "assistant", content: "b"}]}]],
    ["prompt-completion", [{prompt: "p", completion: "c"}]],
    ["prompt-only", [{prompt: "p"}]],
    ["question-answer", [{question: "q", answer: "a"}]],
    ["phoenix-sft", [{id: "1", type: "x", from_human: "h", from_gpt: "g"}]],
    ["kto", [{prompt: "p", completion: "c", label: false}]],
    ["sharegpt", [{conversations: [{role: "user", content: "q"}, {role: "assistant", content: "a"}]}]]
  ];
  for (const [format, sample] of samples) {
    it(`detects ${format}`, () => {
      const detection = detectFormat(sample);
      assert.equal(detection.format, format);
      assert.ok(detection.alternatives.every((alternative) => alternative.confidence < detection.confidence));
      assert.match(detection.explanation, /keys? /);
    });
  }
  it("throws the unknown-format UserError naming the columns and what the closest formats lack", () => {
    assert.throws(
      () => detectFormat([{instruction: "i", input: "x"}, {instruction: "j", input: "y"}]),
      (error: unknown) =>
        error instanceof UserError &&
        error.code === UNKNOWN_FORMAT &&
        (error.details.columns as string[]).join() === "instruction,input" &&
        (error.details.closest as Array<{format: string; missing: string[]}>)[0].format === "alpaca" &&
        (error.details.closest as Array<{format: string; missing: string[]}>)[0].missing.join() === "output" &&
        /alpaca \(lacks output\)/.test(error.message) &&
        /--map prompt=COLUMN/.test(error.fix)
    );
  });
  it("throws on an empty sample and on records that are not objects", () => {
    assert.throws(() => detectFormat([]), /empty sample/);
    assert.throws(() => detectFormat(["a", "b"]), /not JSON objects \(the first is a string\)/);
  });
});

describe("parseMapping(spec)", () => {
  it("reads dotted paths, [n] indexes, negative indexes and quoted keys", () => {
    assert.deepEqual(parseMapping("prompt=question,chosen=answers[0],rejected=bad.text"), {
      prompt: ["question"],
      chosen: ["answers", 0],
      rejected: ["bad", "text"],
      spec: "prompt=question,chosen=answers[0],rejected=bad.text"
    });
    assert.deepEqual(parseMapping('prompt=turns[-2].text, chosen=meta["a.b"][1]').chosen, ["meta", "a.b", 1]);
  });
  const errors: Array<[string, RegExp]> = [
    ["prompt", /entry "prompt" has no "="\. Write target=path, e.g\. prompt=prompt/],
    ["prompt=q,answer=a", /target "answer" is not one of prompt, chosen, rejected, system/],
    ["prompt=q,prompt=r", /gives "prompt" twice/],
    ["chosen=a", /has no prompt/],
    ["prompt=a[x]", /\[x\] is neither an index nor a quoted key at character 2/],
    ["prompt=a.", /ends with a dot/],
    ["prompt=", /no path after "="/],
    ["", /--map: is empty/]
  ];
  for (const [spec, message] of errors) {
    it(`rejects ${JSON.stringify(spec)} with a message that shows the fix`, () => {
      assert.throws(() => parseMapping(spec), (error: unknown) => error instanceof UserError && error.where.option === "--map" && message.test(error.message));
    });
  }
});

describe("mappingAdapter(mapping)", () => {
  const adapter = mappingAdapter(parseMapping("prompt=q.text,chosen=answers[0],rejected=answers[-1],system=meta.sys"));
  it("follows the paths and renders the convention", () => {
    const row = ok(adapter.convert({q: {text: "Why?"}, answers: ["Because.", "No.", "Dunno."], meta: {sys: "Be kind."}}, context));
    assert.equal(row.dschat.promptAndChosen, " Be kind. Human: Why? Assistant: Because.");
    assert.equal(row.dschat.promptAndRejected, " Be kind. Human: Why? Assistant: Dunno.");
  });
  it("rejects a record where a path does not resolve, saying which step failed", () => {
    const result = adapter.convert({q: {text: "Why?"}, answers: [], meta: {sys: ""}}, context);
    assert.ok("reject" in result);
    assert.match(result.reject.reason, /--map chosen=answers\[0\]: answers has 0 items, so \[0\] does not exist/);
  });
  it("scores the share of records the paths resolve in", () => {
    const detection = adapter.detect([{q: {text: "a"}, answers: ["b"], meta: {sys: ""}}, {q: "flat"}]);
    assert.equal(detection?.confidence, 0.5);
  });
});

describe("resolveAdapter(options, sample) and findFormat(name)", () => {
  const sample = fixtureRecords("formats/dschat/rm-static.jsonl");
  it("detects when no option is given", () => {
    const {adapter, detection} = resolveAdapter({}, sample);
    assert.equal(adapter.name, "dschat:Dahoas/rm-static");
    assert.equal(detection?.format, adapter.name);
  });
  it("--format takes ids, dataset names and DS-Chat-style paths, and still reports the detection", () => {
    const {adapter, detection} = resolveAdapter({format: "dschat:Dahoas/full-hh-rlhf"}, sample);
    assert.equal(adapter.name, "dschat:Dahoas/full-hh-rlhf");
    assert.equal(detection?.format, "dschat:Dahoas/rm-static");
    assert.equal(findFormat("./datasets/Dahoas/rm-static").name, "dschat:Dahoas/rm-static");
    assert.equal(findFormat("ShareGPT").name, "sharegpt");
    assert.throws(() => findFormat("csv"), (error: unknown) => error instanceof UserError && /--format: unknown format "csv"\. .*Formats: dschat:Dahoas\/rm-static/.test(error.message));
  });
  it("--map builds a mapping adapter; --format with --map is an error; unknown data is the unknown-format UserError", () => {
    assert.equal(resolveAdapter({map: "prompt=prompt,chosen=chosen"}, sample).adapter.name, "map");
    assert.throws(() => resolveAdapter({format: "alpaca", map: "prompt=a"}, sample), UserError);
    assert.throws(() => resolveAdapter({}, [{foo: 1}]), (error: unknown) => error instanceof UserError && error.code === UNKNOWN_FORMAT);
    assert.equal(resolveAdapter({format: "alpaca"}, [{foo: 1}]).detection, null);
  });
});

describe("adapter.convert(record, context) on the malformed corpus", () => {
  const cases = fixtureRecords("formats/malformed.jsonl") as Array<{format: string; record: unknown; reason: string}>;
  for (const {format, record, reason} of cases) {
    it(`${format} rejects ${excerptOf(record).slice(0, 70)}`, () => {
      const result = formats[format].convert(record, context);
      assert.ok("reject" in result, `accepted: ${JSON.stringify("ok" in result ? result.ok.dschat : null)}`);
      assert.match(result.reject.reason, new RegExp(reason));
      assert.deepEqual([result.reject.source, result.reject.row], ["inline.jsonl", 7]);
      assert.ok(result.reject.excerpt.length <= EXCERPT_MAX_CHARS);
    });
  }
  it("never throws, whatever the record", () => {
    const junk: unknown[] = [null, 0, "", [], {}, {prompt: {}}, {messages: [null]}, {conversations: [{from: "gpt", value: {}}]}, {chosen: [], rejected: []}, {question: {full_text: 1}}];
    for (const adapter of Object.values(formats)) {
      for (const record of junk) assert.doesNotThrow(() => adapter.convert(record, context), adapter.name);
      assert.doesNotThrow(() => adapter.detect(junk), adapter.name);
    }
  });
});

describe("excerptOf(record) and FORMATS_VERSION", () => {
  it("cuts long records to 200 characters without splitting a surrogate pair", () => {
    const excerpt = excerptOf({text: "😀".repeat(500)});
    assert.equal(Array.from(excerpt).length, EXCERPT_MAX_CHARS);
    assert.ok(excerpt.endsWith("…"));
    assert.equal(excerptOf({a: 1}), '{"a":1}');
  });
  it("is a non-empty string that keys caches", () => {
    assert.match(FORMATS_VERSION, /^\S+$/);
  });
});

describe("columnKind(name, value): what a column no format reads looks like", () => {
  const first = (path: string) => fixtureRecords(path)[0] as Record<string, unknown>;
  it("media: LLaMA-Factory's images list, a Hugging Face Image feature value, a data URI", () => {
    assert.equal(columnKind("images", first("llama-factory/mllm_demo.json").images), "media");
    assert.equal(columnKind("picture", {bytes: null, path: "cat.png"}), "media");
    assert.equal(columnKind("attachment", "data:image/png;base64,iVBORw0KGgo="), "media");
    assert.equal(columnKind("clip", ["mllm_demo_data/1.mp4"]), "media");
  });
  it("tools: glaive's tools JSON string, whatever the column's name", () => {
    assert.equal(columnKind("tools", first("llama-factory/glaive_toolcall_en_demo.json").tools), "tools");
    assert.equal(columnKind("api", first("llama-factory/glaive_toolcall_en_demo.json").tools), "tools");
  });
  it("metadata and text: BELLE's class, HC3's id and chatgpt_answers, the self-instruct seed task flags", () => {
    assert.equal(columnKind("class", first("belle/eval_set.json").class), "metadata");
    assert.equal(columnKind("id", first("formats/dschat/HC3-Chinese.jsonl").id), "metadata");
    assert.equal(columnKind("chatgpt_answers", first("formats/dschat/HC3-Chinese.jsonl").chatgpt_answers), "text");
    assert.equal(columnKind("is_classification", first("stanford-alpaca/seed_tasks.jsonl").is_classification), "metadata");
    assert.equal(columnKind("extra", {a: 1}), "other");
  });
});
