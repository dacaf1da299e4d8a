import assert from "node:assert/strict";
import {describe, it} from "node:test";
import type {CanonicalRow} from "../../src/core/canonical.js";
import {detectFormat, formatReasoningMarkers, formats, localJsonDeviation, parseReasoningMarkers, toLocalJsonRow, type ConvertResult, type ReasoningOption} from "../../src/core/formats/index.js";
import {fixtureRecords} from "../fixtures/formats/fixtureRecords.js";
import {UserError} from "../../src/core/contract/userError.js";

interface Converted {
  rows: CanonicalRow[];
  rejects: string[];
}

function convertFixture(path: string, format: string): Converted {
  const adapter = formats[format];
  const results: ConvertResult[] = fixtureRecords(path).map((record, i) => adapter.convert(record, {source: path, row: i + 1, split: null}));
  return {
    rows: results.flatMap((result) => ("ok" in result ? [result.ok] : [])),
    rejects: results.flatMap((result) => ("reject" in result ? [result.reject.reason] : []))
  };
}

/** Every real fixture and the format it must be detected as, clearly ahead of the runner-up. */
const DETECTIONS: Array<[path: string, format: string, rows: number]> = [
  ["llama-factory/alpaca_en_demo.json", "alpaca", 999],
  ["llama-factory/alpaca_zh_demo.json", "alpaca", 1000],
  ["llama-factory/identity.json", "alpaca", 91],
  ["llama-factory/dpo_zh_demo.json", "sharegpt-preference", 300],
  ["llama-factory/kto_en_demo.json", "kto", 300],
  ["llama-factory/glaive_toolcall_en_demo.json", "sharegpt", 300],
  ["llama-factory/glaive_toolcall_zh_demo.json", "sharegpt", 300],
  ["llama-factory/c4_demo.jsonl", "text", 300],
  ["llama-factory/v1_sft_demo.jsonl", "messages", 500],
  ["llama-factory/v1_dpo_demo.jsonl", "lf-v1-preference", 10],
  ["hh-rlhf/harmless-base/test.jsonl.gz", "hh-rlhf", 2312],
  ["belle/eval_set.json", "belle", 1000],
  ["belle/zh_seed_tasks.json", "self-instruct", 175],
  ["stanford-alpaca/seed_tasks.jsonl", "self-instruct", 175],
  ["sagemaker-python-sdk/sft_smtj_sample_data.jsonl", "messages", 300]
];

describe("detectFormat(sample) on the real fixtures", () => {
  for (const [path, format, count] of DETECTIONS) {
    it(`${path} → ${format}, every row converts`, () => {
      const sample = fixtureRecords(path).slice(0, 100);
      const detection = detectFormat(sample);
      assert.equal(detection.format, format, detection.explanation);
      assert.ok(detection.confidence >= 0.5);
      for (const alternative of detection.alternatives) assert.ok(detection.confidence > alternative.confidence, `${alternative.format} ties`);
      const {rows, rejects} = convertFixture(path, format);
      assert.deepEqual(rejects, []);
      assert.equal(rows.length, count);
      // Every non-built-in row reproduces through local/jsonfile by construction of the rendering.
      for (const row of rows) assert.equal(localJsonDeviation(row), null, row.id);
    });
  }
  it("LLaMA-Factory's dataset_info.json (a registry, not data) fits no format and the error lists its columns", () => {
    assert.throws(
      () => detectFormat(fixtureRecords("llama-factory/dataset_info.json")),
      (error: unknown) => error instanceof UserError && (error.details.columns as string[]).includes("alpaca_en_demo") && /Columns found: identity, alpaca_en_demo/.test(error.message) && /and \d+ more/.test(error.message)
    );
  });
});

describe("formats.alpaca.convert(record, context) on LLaMA-Factory demos", () => {
  it("puts input on the line after the instruction", () => {
    const row = convertFixture("llama-factory/alpaca_en_demo.json", "alpaca").rows[8];
    assert.deepEqual(row.conversation, [{role: "user", content: "Reword this sentence to increase clarity\nThe idea of her being so brave made me smile"}]);
    assert.equal(row.dschat.promptAndChosen, " Human: Reword this sentence to increase clarity\nThe idea of her being so brave made me smile Assistant: The thought of her displaying such courage brought a smile to my face.");
    assert.deepEqual(toLocalJsonRow(row), {
      prompt: "Human: Reword this sentence to increase clarity\nThe idea of her being so brave made me smile Assistant:",
      chosen: "The thought of her displaying such courage brought a smile to my face.",
      rejected: null
    });
  });
  it("keeps identity.json's {{name}} placeholders verbatim (substitution is not a format's job)", () => {
    const {rows} = convertFixture("llama-factory/identity.json", "alpaca");
    assert.equal(rows.filter((row) => row.chosen?.includes("{{name}}")).length, 77);
  });
});

describe("formats['sharegpt-preference'].convert(record, context) on dpo_zh_demo.json", () => {
  const {rows} = convertFixture("llama-factory/dpo_zh_demo.json", "sharegpt-preference");
  it("renders an inline system turn as bare text before the first Human turn", () => {
    const row = rows[67];
    assert.equal(row.conversation[0].role, "system");
    assert.ok(row.dschat.prompt!.startsWith(" 你是一个乐于帮助的助理，总是提供解释。想象自己在回答一个五岁的孩子。 Human: 英格兰板球队抵达哈拉雷\n\n"));
    assert.ok(row.dschat.prompt!.endsWith("这段文字是关于什么的？ Assistant:"));
    assert.ok(row.dschat.rejected!.startsWith(" 哦哦啊啊！"));
    assert.equal(rows.filter((r) => r.conversation[0].role === "system").length, 64);
    assert.ok(rows.every((r) => r.phases.join() === "1,2,3"));
  });
});

describe("formats.kto.convert(record, context) on kto_en_demo.json", () => {
  const {rows} = convertFixture("llama-factory/kto_en_demo.json", "kto");
  it("label true → chosen (steps 1 and 3), label false → rejected only (step 3)", () => {
    const desirable = rows.filter((row) => row.chosen !== null);
    const undesirable = rows.filter((row) => row.rejected !== null);
    assert.equal(desirable.length, 150);
    assert.equal(undesirable.length, 150);
    assert.ok(desirable.every((row) => row.rejected === null && row.phases.join() === "1,3"));
    assert.ok(undesirable.every((row) => row.chosen === null && row.dschat.promptAndChosen === null && row.phases.join() === "3"));
    assert.ok(undesirable[0].dschat.promptAndRejected!.startsWith(undesirable[0].dschat.prompt!));
  });
});

describe("formats.sharegpt.convert(record, context) on glaive_toolcall_en_demo.json", () => {
  const row = convertFixture("llama-factory/glaive_toolcall_en_demo.json", "sharegpt").rows[0];
  it("puts tools first, function calls on the Assistant side and observations on the Human side", () => {
    assert.deepEqual(
      row.conversation.map((turn) => `${turn.role}:${turn.name ?? ""}`),
      ["system:tools", "user:human", "assistant:gpt", "user:human", "assistant:function_call", "tool:observation", "assistant:gpt", "user:human"]
    );
    const prompt = row.dschat.prompt!;
    assert.ok(prompt.startsWith(' [{"name": "search_recipes"'));
    assert.ok(prompt.includes(' Assistant: {"name": "search_recipes", "arguments": {"ingredients": ["chicken", "bell peppers", "rice"]}} Human: {"recipes": '));
    assert.ok(prompt.endsWith(" Human: They both sound delicious, but I think I'll try the stir fry. Can you order the ingredients for me? Assistant:"));
  });
});

describe("formats.text.convert(record, context) on c4_demo.jsonl", () => {
  it("makes step-1-only rows with an empty prompt", () => {
    const {rows} = convertFixture("llama-factory/c4_demo.jsonl", "text");
    const text = fixtureRecords("llama-factory/c4_demo.jsonl")[0] as {text: string};
    assert.equal(rows[0].dschat.promptAndChosen, "  " + text.text);
    assert.deepEqual(rows[0].phases, [1]);
    assert.deepEqual(toLocalJsonRow(rows[0]), {prompt: "", chosen: text.text, rejected: null});
  });
});

describe("formats.messages.convert(record, context) on LLaMA-Factory v1 and Amazon Nova", () => {
  it("reads typed parts [{type, value}] and Nova parts [{text}]", () => {
    const v1 = convertFixture("llama-factory/v1_sft_demo.jsonl", "messages").rows[0];
    assert.equal(v1.dschat.promptAndChosen, " Human: hi Assistant: Hello! I am {{name}}, an AI assistant developed by {{author}}. How can I assist you today?");
    const nova = convertFixture("sagemaker-python-sdk/sft_smtj_sample_data.jsonl", "messages").rows[0];
    assert.equal(
      nova.dschat.promptAndChosen,
      " Human: What is machine learning? Assistant: Machine learning is a subset of artificial intelligence that enables systems to learn and improve from experience without being explicitly programmed."
    );
  });
  it("splits LLaMA-Factory v1 preference transcripts at their shared prompt", () => {
    const row = convertFixture("llama-factory/v1_dpo_demo.jsonl", "lf-v1-preference").rows[0];
    assert.deepEqual(row.conversation.map((turn) => turn.role), ["system", "user"]);
    assert.ok(row.dschat.prompt!.startsWith(" You are an AI assistant. You will be given a task. You must generate a detailed and long answer. Human: Abdulah Hasanagic"));
    assert.ok(row.chosen!.startsWith("Abdulah Hasanagic is the proud owner of AS Company in Gorazde"));
    assert.notEqual(row.chosen, row.rejected);
  });
});

describe("formats['hh-rlhf'].convert(record, context) on harmless-base/test.jsonl.gz", () => {
  const records = fixtureRecords("hh-rlhf/harmless-base/test.jsonl.gz") as Array<{chosen: string; rejected: string}>;
  const {rows} = convertFixture("hh-rlhf/harmless-base/test.jsonl.gz", "hh-rlhf");
  const marker = (role: string) => (role === "user" ? "\n\nHuman: " : "\n\nAssistant: ");
  it("cuts the prompt back to the last Assistant cue where the responses share leading characters (445 rows)", () => {
    const sharing = records.filter((record) => {
      let i = 0;
      while (record.chosen[i] === record.rejected[i] && i < record.chosen.length) i++;
      return !record.chosen.slice(0, i).endsWith("\n\nAssistant: ");
    });
    assert.equal(sharing.length, 445);
    const row = rows[9];
    assert.deepEqual(row.conversation, [{role: "user", content: "Is it possible to download a car?"}]);
    assert.equal(row.chosen, "I’m not sure what you mean. Can you clarify?");
    assert.equal(row.rejected, "I’m sorry, I don’t understand.");
    assert.equal(row.dschat.promptAndRejected, " Human: Is it possible to download a car? Assistant: I’m sorry, I don’t understand.");
  });
  it("loses no character: the turns plus each response rebuild both transcripts", () => {
    rows.forEach((row, i) => {
      const prompt = row.conversation.map((turn) => marker(turn.role) + turn.content).join("") + "\n\nAssistant: ";
      assert.equal(prompt + row.chosen, records[i].chosen, row.id);
      assert.equal(prompt + row.rejected, records[i].rejected, row.id);
    });
  });
});

describe("formats.belle.convert(record, context) on eval_set.json", () => {
  const {rows} = convertFixture("belle/eval_set.json", "belle");
  it("keeps the 369 rows with an empty std_answer as step-3 prompts, not as empty SFT targets", () => {
    const promptsOnly = rows.filter((row) => row.chosen === null);
    assert.equal(promptsOnly.length, 369);
    assert.ok(promptsOnly.every((row) => row.phases.join() === "3" && row.dschat.promptAndChosen === null));
  });
  it("is unaffected by the NO-BREAK SPACE in a class label", () => {
    assert.equal(rows[53].conversation[0].content.slice(0, 13), "从以下选项中选择正确的词汇");
    assert.ok(rows[53].dschat.chosen!.startsWith(" 正确的词汇是C）电影院。"));
  });
});

describe("formats['self-instruct'].convert(record, context) on seed tasks", () => {
  it("uses the first instance; an empty input leaves the instruction alone", () => {
    const english = convertFixture("stanford-alpaca/seed_tasks.jsonl", "self-instruct").rows[0];
    assert.equal(english.conversation[0].content, "Is there anything I can eat for a breakfast that doesn't include eggs, yet includes protein, and has roughly 700-1000 calories?");
    assert.ok(english.chosen!.startsWith("Yes, you can have 1 oatmeal banana protein shake"));
    const chinese = convertFixture("belle/zh_seed_tasks.json", "self-instruct").rows[0];
    assert.equal(chinese.dschat.prompt, " Human: 请以下面词语为主题写一首诗\n夏天 Assistant:");
  });
});

describe("detectFormat(sample) against mixed column types (issue 12 item 9)", () => {
  // 100 rows of LLaMA-Factory's alpaca_en_demo.json in which 40 instructions are numbers (as a spreadsheet export makes them).
  const records = (fixtureRecords("llama-factory/alpaca_en_demo.json").slice(0, 100) as Array<Record<string, unknown>>).map((record, i) => (i % 5 < 2 ? {...record, instruction: 1000 + i} : record));
  it("keeps alpaca, whose instruction column every row has, over question-answer, which would read input/output only", () => {
    const detection = detectFormat(records);
    assert.equal(detection.format, "alpaca", detection.explanation);
    assert.match(detection.explanation, /chosen over question-answer \(confidence 0\.7\), which would not read instruction \(in 100 of 100 sampled records\)/);
    assert.equal(detection.alternatives[0].format, "question-answer");
  });
  it("rejects the 40 rows of the wrong type with the reason, and converts the other 60 with their instruction", () => {
    const results = records.map((record, i) => formats.alpaca.convert(record, {source: "mixed.json", row: i + 1, split: null}));
    const rejects = results.flatMap((result) => ("reject" in result ? [result.reject.reason] : []));
    assert.equal(rejects.length, 40);
    assert.ok(rejects.every((reason) => reason === '"instruction" is a number, expected a string'));
    const first = results[2];
    assert.ok("ok" in first);
    assert.ok(first.ok.dschat.prompt!.startsWith(` Human: ${(records[2] as {instruction: string}).instruction}`));
  });
  it("does not move a choice where no format reads more of the majority columns (rm-static leaves response unread, question-answer would drop chosen and rejected)", () => {
    assert.equal(detectFormat(fixtureRecords("formats/dschat/rm-static.jsonl")).format, "dschat:Dahoas/rm-static");
  });
});

describe("reasoning parts: LLaMA-Factory's reason_tool_use_demo_50.jsonl (issue 12 item 8)", () => {
  // v1 messages whose assistant content holds {type: "reasoning"} and {type: "tool_call"} parts beside {type: "text"}
  // (src/llamafactory/v1/utils/types.py: Content.type). LLaMA-Factory collects reasoning parts into reasoning_content and
  // asks datasets to keep chain-of-thought as "<think>cot</think>output" (data/README.md:55).
  type Part = {type: string; value: string};
  const records = fixtureRecords("llama-factory/reason_tool_use_demo_50.jsonl") as Array<{messages: Array<{role: string; content: Part[]}>; tools: string}>;
  const partsOf = (content: Part[], type: string) => content.filter((part) => part.type === type).map((part) => part.value);
  const convert = (record: unknown, reasoning?: ReasoningOption) => {
    const notes = {reasoningParts: 0};
    const result = formats.messages.convert(record, {source: "reason_tool_use_demo_50.jsonl", row: 1, split: null, reasoning, notes});
    assert.ok("ok" in result, "reject" in result ? result.reject.reason : "");
    return {row: result.ok, notes};
  };
  it("is detected as messages, and every one of its 50 rows converts (each was rejected before)", () => {
    assert.equal(detectFormat(records).format, "messages");
    for (const record of records) convert(record);
  });
  it("keeps the reasoning inline by default, between <think> and </think> before the answer text", () => {
    const last = records[1].messages.at(-1)!;
    const {row, notes} = convert(records[1]);
    assert.equal(row.chosen, "<think>" + partsOf(last.content, "reasoning").join("") + "</think>" + partsOf(last.content, "text").join("\n"));
    // The earlier assistant turn's tool call keeps its reasoning too, then the call as the model must write it (the
    // conversation starts with the tools' definitions, then the messages).
    const call = records[1].messages[2];
    assert.equal(row.conversation[0].name, "tools");
    assert.equal(row.conversation[3].content, "<think>" + partsOf(call.content, "reasoning").join("") + "</think>" + partsOf(call.content, "tool_call")[0]);
    assert.equal(notes.reasoningParts, records[1].messages.filter((message) => partsOf(message.content, "reasoning").length).length);
  });
  it("drops the reasoning with mode drop, keeping the text and the tool calls", () => {
    const last = records[1].messages.at(-1)!;
    const {row} = convert(records[1], {mode: "drop", open: "<think>", close: "</think>"});
    assert.equal(row.chosen, partsOf(last.content, "text").join("\n"));
    assert.ok(!row.dschat.promptAndChosen!.includes("<think>"));
    assert.ok(row.dschat.prompt!.includes(' Assistant: {"name": "get_movie_details", "arguments": {"title": "Inception"}} Human: '));
  });
  it("takes the markers given, e.g. LLaMA-Factory's template thought words (template.py:598)", () => {
    const [open, close] = parseReasoningMarkers("<think>\\n,\\n</think>\\n\\n");
    assert.deepEqual([open, close], ["<think>\n", "\n</think>\n\n"]);
    assert.equal(formatReasoningMarkers({open, close}), "<think>\\n,\\n</think>\\n\\n");
    const {row} = convert(records[0], {mode: "inline", open, close});
    assert.ok(row.chosen!.startsWith("<think>\nOkay, the user is asking for schools near latitude 40"));
    assert.throws(() => parseReasoningMarkers("<think>"), /0 commas; expected OPEN,CLOSE/);
    assert.throws(() => parseReasoningMarkers(",</think>"), /empty opening marker/);
  });
  it("reads a Hugging Face message's reasoning_content (what LLaMA-Factory builds from the parts, v1/core/rendering/format.py:94-95) the same way", () => {
    const [system, user, answer] = records[0].messages;
    const typed = {messages: [system, user, answer]};
    const hf = {messages: [system, user, answer].map(({role, content}) => ({role, content: partsOf(content, "text").join(""), ...(partsOf(content, "reasoning").length ? {reasoning_content: partsOf(content, "reasoning").join("")} : {})}))};
    assert.deepEqual(convert(hf).row.dschat, convert(typed).row.dschat);
  });
});
