import assert from "node:assert/strict";
import {describe, it} from "node:test";
import type {CanonicalRow, DsChatStrings} from "../src/core/canonical.js";
import {detectFormat, findFormat, formats, localJsonDeviation, stripWebgptCitations, toLocalJsonRow, type ConvertResult} from "../src/core/formats/index.js";
import {fixtureRecords} from "./fixtures/formats/fixtureRecords.js";

// Expected strings are written out by hand from raw_datasets.py's templates (DeepSpeedExamples 83757d9c), not computed.

function convertAll(format: string, file: string): ConvertResult[] {
  const adapter = formats[format];
  assert.ok(adapter, `no adapter ${format}`);
  return fixtureRecords(`formats/dschat/${file}`).map((record, i) => adapter.convert(record, {source: file, row: i + 1, split: "train"}));
}

function row(result: ConvertResult): CanonicalRow {
  assert.ok("ok" in result, `expected a row, got reject: ${"reject" in result ? result.reject.reason : ""}`);
  return result.ok;
}

function rejectReason(result: ConvertResult): string {
  assert.ok("reject" in result, "expected a reject");
  return result.reject.reason;
}

function strings(prompt: string | null, chosen: string | null, rejected: string | null, promptAndChosen: string | null, promptAndRejected: string | null): DsChatStrings {
  return {prompt, chosen, rejected, promptAndChosen, promptAndRejected};
}

function detected(file: string): string {
  return detectFormat(fixtureRecords(`formats/dschat/${file}`)).format;
}

describe("formats['dschat:Dahoas/rm-static'].convert(record, context)", () => {
  const results = convertAll("dschat:Dahoas/rm-static", "rm-static.jsonl");
  it("returns the raw columns, no template", () => {
    const first = row(results[0]);
    assert.deepEqual(
      first.dschat,
      strings(
        "\n\nHuman: What are some good ways to keep a cast iron pan from rusting?\n\nAssistant:",
        " Dry it right after washing and rub in a thin layer of oil.",
        " Just leave it in the sink overnight.",
        "\n\nHuman: What are some good ways to keep a cast iron pan from rusting?\n\nAssistant: Dry it right after washing and rub in a thin layer of oil.",
        "\n\nHuman: What are some good ways to keep a cast iron pan from rusting?\n\nAssistant: Just leave it in the sink overnight."
      )
    );
    assert.equal(first.id, "rm-static.jsonl:1");
    assert.equal(first.split, "train");
    assert.deepEqual(first.phases, [1, 2, 3]);
    assert.equal(first.chosen, "Dry it right after washing and rub in a thin layer of oil.");
  });
  it("parses the multi-turn prompt into turns", () => {
    assert.deepEqual(row(results[1]).conversation, [
      {role: "user", content: "Can you recommend a book for a long flight?"},
      {role: "assistant", content: "What kind of books do you usually like?"},
      {role: "user", content: "Mysteries, mostly."}
    ]);
  });
  it("reports that local/jsonfile cannot reproduce the prompt without its leading space", () => {
    const deviation = localJsonDeviation(row(results[0]));
    assert.ok(deviation);
    assert.deepEqual(
      deviation.deviations.map((d) => d.method),
      ["prompt", "promptAndChosen", "promptAndRejected"]
    );
    assert.equal(deviation.deviations[0].actual, " \n\nHuman: What are some good ways to keep a cast iron pan from rusting?\n\nAssistant:");
    assert.match(deviation.summary, /get_prompt returns/);
  });
  it("is detected, with full-hh-rlhf as the runner-up that --format can pick", () => {
    const detection = detectFormat(fixtureRecords("formats/dschat/full-hh-rlhf.jsonl"));
    assert.equal(detection.format, "dschat:Dahoas/rm-static");
    assert.equal(detection.alternatives[0].format, "dschat:Dahoas/full-hh-rlhf");
    assert.ok(detection.confidence > detection.alternatives[0].confidence);
    assert.match(detection.explanation, /full-hh-rlhf/);
    assert.equal(findFormat("Dahoas/full-hh-rlhf").name, "dschat:Dahoas/full-hh-rlhf");
    const full = row(convertAll("dschat:Dahoas/full-hh-rlhf", "full-hh-rlhf.jsonl")[1]);
    assert.equal(full.dschat.promptAndChosen, "\n\nHuman: What is the capital of Australia?\n\nAssistant: The capital of Australia is Canberra.");
  });
});

describe("formats['dschat:Dahoas/synthetic-instruct-gptj-pairwise'].convert(record, context)", () => {
  const results = convertAll("dschat:Dahoas/synthetic-instruct-gptj-pairwise", "synthetic-instruct-gptj-pairwise.jsonl");
  it("wraps the prompt in Human/Assistant markers", () => {
    assert.deepEqual(
      row(results[1]).dschat,
      strings(
        " Human: What are the benefits of learning a second language? Assistant:",
        " It improves memory, opens career options and lets you connect with more people.",
        " There are no benefits.",
        " Human: What are the benefits of learning a second language? Assistant: It improves memory, opens career options and lets you connect with more people.",
        " Human: What are the benefits of learning a second language? Assistant: There are no benefits."
      )
    );
  });
  it("renders exactly like trl-preference, which detection prefers for plain prompt/chosen/rejected", () => {
    const records = fixtureRecords("formats/dschat/synthetic-instruct-gptj-pairwise.jsonl");
    const detection = detectFormat(records);
    assert.equal(detection.format, "trl-preference");
    assert.ok(detection.alternatives.some((a) => a.format === "dschat:Dahoas/synthetic-instruct-gptj-pairwise"));
    records.forEach((record, i) => {
      const context = {source: "s", row: i + 1, split: null};
      assert.deepEqual(row(formats["trl-preference"].convert(record, context)).dschat, row(results[i]).dschat);
    });
    assert.equal(localJsonDeviation(row(results[0])), null);
  });
});

describe("formats['dschat:yitingxie/rlhf-reward-datasets'].convert(record, context)", () => {
  const results = convertAll("dschat:yitingxie/rlhf-reward-datasets", "yitingxie-rlhf-reward-datasets.jsonl");
  it("appends Assistant: to the prompt and keeps the text after the last Assistant: of each answer", () => {
    assert.deepEqual(
      row(results[0]).dschat,
      strings(
        "\n\nHuman: Do you know why turkeys became the official food of Thanksgiving?\n\nAssistant:",
        " Turkeys were plentiful in North America and big enough to feed a family.",
        " I don't know.",
        "\n\nHuman: Do you know why turkeys became the official food of Thanksgiving?\n\nAssistant: Turkeys were plentiful in North America and big enough to feed a family.",
        "\n\nHuman: Do you know why turkeys became the official food of Thanksgiving?\n\nAssistant: I don't know."
      )
    );
  });
  it("keeps DS-Chat's inconsistency: P&C concatenates the raw columns", () => {
    const third = row(results[2]);
    assert.equal(third.dschat.chosen, " and nearly everyone dies.");
    assert.equal(third.dschat.rejected, "It is a comedy about a Danish bakery.");
    assert.equal(third.dschat.promptAndChosen, "\n\nHuman: Summarize the plot of Hamlet in one sentence.\n\nAssistant: A prince avenges his father's murder. Assistant: and nearly everyone dies.");
    assert.equal(third.dschat.promptAndRejected, "\n\nHuman: Summarize the plot of Hamlet in one sentence.\n\nIt is a comedy about a Danish bakery.");
    assert.ok(localJsonDeviation(third));
  });
  it("is detected", () => assert.equal(detected("yitingxie-rlhf-reward-datasets.jsonl"), "dschat:yitingxie/rlhf-reward-datasets"));
});

describe("formats['dschat:openai/webgpt_comparisons'].convert(record, context)", () => {
  const results = convertAll("dschat:openai/webgpt_comparisons", "webgpt_comparisons.jsonl");
  it("removes citations with both regexes and picks the higher score", () => {
    assert.deepEqual(
      row(results[0]).dschat,
      strings(
        " Human: Why do cats purr? Assistant:",
        " Cats purr when content, and also when stressed.",
        " Nobody knows.",
        " Human: Why do cats purr? Assistant: Cats purr when content, and also when stressed.",
        " Human: Why do cats purr? Assistant: Nobody knows."
      )
    );
    assert.equal(row(results[1]).dschat.chosen, " Vaccines train the immune system to recognise a pathogen.");
    assert.equal(row(results[1]).dschat.rejected, " They do magic.");
  });
  it("on a tie takes answer_0 as chosen and answer_1 as rejected; the lazy regex eats up to the first closing bracket", () => {
    const tie = row(results[2]);
    assert.equal(tie.dschat.chosen, " A year with 366 days).");
    assert.equal(tie.dschat.rejected, " A year with an extra day in February.");
    assert.equal(localJsonDeviation(tie), null);
  });
  it("is detected", () => assert.equal(detected("webgpt_comparisons.jsonl"), "dschat:openai/webgpt_comparisons"));
});

describe("stripWebgptCitations(response)", () => {
  it("matches Python's re: '.' stops at \\n only (not at \\r or U+2028), one pass per regex", () => {
    assert.equal(stripWebgptCitations("Answer (see\n[1])."), "Answer (see\n).");
    assert.equal(stripWebgptCitations("Tides (caused by the moon [2]) rise [3]\u2028twice (daily)."), "Tides) rise\u2028twice.");
    assert.equal(stripWebgptCitations("x [a\rb] y"), "x y");
  });
});

describe("formats['dschat:stanfordnlp/SHP'].convert(record, context)", () => {
  const results = convertAll("dschat:stanfordnlp/SHP", "SHP.jsonl");
  it("labels 1 prefers human_ref_A, labels 0 prefers human_ref_B, int('1') counts as 1", () => {
    assert.deepEqual(
      row(results[0]).dschat,
      strings(
        " Human: What is the best way to store fresh basil? Assistant:",
        " Keep it in a glass of water on the counter, like flowers.",
        " Put it in the fridge.",
        " Human: What is the best way to store fresh basil? Assistant: Keep it in a glass of water on the counter, like flowers.",
        " Human: What is the best way to store fresh basil? Assistant: Put it in the fridge."
      )
    );
    assert.equal(row(results[1]).dschat.chosen, " Rayleigh scattering: air scatters short blue wavelengths more than red ones.");
    assert.equal(row(results[1]).dschat.rejected, " Because it reflects the ocean.");
    assert.equal(row(results[2]).dschat.chosen, " No, that image comes from 19th-century opera costumes.");
  });
  it("is detected", () => assert.equal(detected("SHP.jsonl"), "dschat:stanfordnlp/SHP"));
});

describe("formats['dschat:pvduy/sharegpt_alpaca_oa_vicuna_format'].convert(record, context)", () => {
  const results = convertAll("dschat:pvduy/sharegpt_alpaca_oa_vicuna_format", "pvduy-sharegpt-alpaca-oa-vicuna-format.jsonl");
  it("renames USER/ASSISTANT and never has a rejected answer", () => {
    assert.deepEqual(
      row(results[0]).dschat,
      strings(
        "Human: Write a haiku about autumn. Assistant:",
        " Red leaves drift and fall / the cold wind hums through the pines / geese call overhead",
        null,
        "Human: Write a haiku about autumn. Assistant: Red leaves drift and fall / the cold wind hums through the pines / geese call overhead",
        null
      )
    );
    assert.deepEqual(row(results[0]).phases, [1, 3]);
    assert.equal(row(results[1]).dschat.promptAndChosen, "Human: What is 2 + 2? Assistant: 4. Human: And times 3? Assistant: 12.");
  });
  it("an empty prompt makes every method None, so the row is rejected; an empty label leaves a step-3 prompt", () => {
    assert.match(rejectReason(results[2]), /no DS-Chat phase/);
    assert.deepEqual(row(results[3]).phases, [3]);
    assert.equal(row(results[3]).dschat.chosen, null);
  });
  it("is detected", () => assert.equal(detected("pvduy-sharegpt-alpaca-oa-vicuna-format.jsonl"), "dschat:pvduy/sharegpt_alpaca_oa_vicuna_format"));
});

describe("formats['dschat:wangrui6/Zhihu-KOL'].convert(record, context)", () => {
  const results = convertAll("dschat:wangrui6/Zhihu-KOL", "Zhihu-KOL.jsonl");
  it("uses INSTRUCTION and RESPONSE; a null RESPONSE leaves only the prompt", () => {
    assert.deepEqual(
      row(results[1]).dschat,
      strings(" Human: 学习编程应该从哪种语言开始？ Assistant:", " 建议从 Python 开始，语法简洁，资料丰富。", null, " Human: 学习编程应该从哪种语言开始？ Assistant: 建议从 Python 开始，语法简洁，资料丰富。", null)
    );
    assert.deepEqual(row(results[2]).phases, [3]);
  });
  it("is detected", () => assert.equal(detected("Zhihu-KOL.jsonl"), "dschat:wangrui6/Zhihu-KOL"));
});

describe("formats['dschat:Cohere/miracl-zh-queries-22-12'] and ['dschat:Cohere/miracl-ja-queries-22-12']", () => {
  it("zh: first positive is chosen, first negative rejected; an empty negative list crashes step 2, so it is rejected", () => {
    const results = convertAll("dschat:Cohere/miracl-zh-queries-22-12", "miracl-zh-queries-22-12.jsonl");
    assert.deepEqual(
      row(results[0]).dschat,
      strings(
        " Human: 月球离地球有多远？ Assistant:",
        " 月球与地球的平均距离约为38万公里。",
        " 火星是太阳系第四颗行星。",
        " Human: 月球离地球有多远？ Assistant: 月球与地球的平均距离约为38万公里。",
        " Human: 月球离地球有多远？ Assistant: 火星是太阳系第四颗行星。"
      )
    );
    assert.match(rejectReason(results[1]), /IndexError/);
    assert.equal(row(results[2]).dschat.rejected, " 小熊猫生活在喜马拉雅山区。");
  });
  it("ja: an empty negative list gives None for P&R (the guard), an empty positive list is rejected", () => {
    const results = convertAll("dschat:Cohere/miracl-ja-queries-22-12", "miracl-ja-queries-22-12.jsonl");
    assert.equal(row(results[0]).dschat.promptAndChosen, " Human: 富士山の高さはどれくらいですか？ Assistant: 富士山の標高は3776メートルである。");
    const unguarded = row(results[1]);
    assert.equal(unguarded.dschat.promptAndRejected, null);
    assert.equal(unguarded.dschat.rejected, null);
    assert.deepEqual(unguarded.phases, [1, 3]);
    assert.match(rejectReason(results[2]), /positive_passages.*IndexError/);
  });
  it("tells zh from ja by kana in the queries", () => {
    assert.equal(detected("miracl-zh-queries-22-12.jsonl"), "dschat:Cohere/miracl-zh-queries-22-12");
    assert.equal(detected("miracl-ja-queries-22-12.jsonl"), "dschat:Cohere/miracl-ja-queries-22-12");
  });
});

describe("formats['dschat:Hello-SimpleAI/HC3-Chinese'].convert(record, context)", () => {
  const results = convertAll("dschat:Hello-SimpleAI/HC3-Chinese", "HC3-Chinese.jsonl");
  it("uses the first human answer and ignores chatgpt_answers", () => {
    assert.deepEqual(
      row(results[1]).dschat,
      strings(" Human: 为什么天空是蓝色的？ Assistant:", " 因为大气对短波长的蓝光散射更强。", null, " Human: 为什么天空是蓝色的？ Assistant: 因为大气对短波长的蓝光散射更强。", null)
    );
    assert.match(rejectReason(results[2]), /human_answers.*IndexError/);
  });
  it("is detected", () => assert.equal(detected("HC3-Chinese.jsonl"), "dschat:Hello-SimpleAI/HC3-Chinese"));
});

describe("formats['dschat:mkqa-Chinese'] and ['dschat:mkqa-Japanese']", () => {
  it("read the zh_cn or the ja keys of the same records", () => {
    const zh = convertAll("dschat:mkqa-Chinese", "mkqa.jsonl");
    const ja = convertAll("dschat:mkqa-Japanese", "mkqa.jsonl");
    assert.deepEqual(row(zh[0]).dschat, strings(" Human: 中国长城有多长 Assistant:", " 21196.18千米", null, " Human: 中国长城有多长 Assistant: 21196.18千米", null));
    assert.deepEqual(row(ja[1]).dschat, strings(" Human: 高慢と偏見を書いたのは誰 Assistant:", " ジェーン・オースティン", null, " Human: 高慢と偏見を書いたのは誰 Assistant: ジェーン・オースティン", null));
    assert.deepEqual(row(zh[2]).phases, [3]);
  });
  it("defaults to Chinese and names the Japanese alternative", () => {
    const detection = detectFormat(fixtureRecords("formats/dschat/mkqa.jsonl"));
    assert.equal(detection.format, "dschat:mkqa-Chinese");
    assert.equal(detection.alternatives[0].format, "dschat:mkqa-Japanese");
    assert.match(detection.explanation, /mkqa-Japanese/);
  });
});

describe("formats['dschat:lmqg/qg_jaquad'] and ['dschat:lmqg/qag_jaquad']", () => {
  it("qg_jaquad answers the question with the sentence", () => {
    assert.deepEqual(
      row(convertAll("dschat:lmqg/qg_jaquad", "qg_jaquad.jsonl")[0]).dschat,
      strings(" Human: 明治維新はいつ始まった？ Assistant:", " 明治維新は1868年に始まった。", null, " Human: 明治維新はいつ始まった？ Assistant: 明治維新は1868年に始まった。", null)
    );
    assert.equal(detected("qg_jaquad.jsonl"), "dschat:lmqg/qg_jaquad");
  });
  it("qag_jaquad answers the first question with the paragraph; no question is an IndexError", () => {
    const results = convertAll("dschat:lmqg/qag_jaquad", "qag_jaquad.jsonl");
    assert.equal(row(results[0]).dschat.promptAndChosen, " Human: 東京タワーはいつ完成した？ Assistant: 東京タワーは1958年に完成した電波塔である。高さは333メートルである。");
    assert.match(rejectReason(results[2]), /questions.*IndexError/);
    assert.equal(detected("qag_jaquad.jsonl"), "dschat:lmqg/qag_jaquad");
  });
});

describe("formats['dschat:local/jsonfile'].convert(record, context)", () => {
  const results = convertAll("dschat:local/jsonfile", "local-jsonfile.jsonl");
  it("prepends one space to each column, as LocalJsonFileDataset does", () => {
    assert.deepEqual(
      row(results[0]).dschat,
      strings(" Human: I have a question. Assistant:", " Good answer.", " Bad answer.", " Human: I have a question. Assistant: Good answer.", " Human: I have a question. Assistant: Bad answer.")
    );
    assert.deepEqual(row(results[1]).phases, [1, 3]);
    assert.deepEqual(row(results[2]).conversation, [
      {role: "user", content: "Name a prime number."},
      {role: "assistant", content: "7."},
      {role: "user", content: "Another one?"}
    ]);
  });
  it("round-trips through toLocalJsonRow without deviation", () => {
    const records = fixtureRecords("formats/dschat/local-jsonfile.jsonl");
    results.forEach((result, i) => {
      assert.deepEqual(toLocalJsonRow(row(result)), records[i]);
      assert.equal(localJsonDeviation(row(result)), null);
    });
    assert.equal(detected("local-jsonfile.jsonl"), "dschat:local/jsonfile");
  });
});
