import type {DsChatStrings} from "../../canonical.js";
import {RecordError, isRecord, missingKey, requireKey, optionalString, requireArray, requireObject, requireString, typeName} from "../recordFields.js";
import {hasKana, isString, scoreSample, someText} from "../scoreSample.js";
import {attempt, dschatAdapter, humanAssistantMethods, humanAssistantStrings, questionAnswerParts} from "./dschatBuiltin.js";

/** Python `value[0]` on a list: IndexError when empty, TypeError when not a list. */
function firstItem(value: unknown, key: string): unknown {
  if (!Array.isArray(value)) throw new RecordError(`"${key}" is ${typeName(value)}, expected a list`);
  if (!value.length) throw new RecordError(`"${key}" is an empty list, so ${key}[0] raises IndexError`);
  return value[0];
}

/** A value DS-Chat tests with `is not None` before concatenating: null passes as None, other non-strings crash. */
function stringOrNone(value: unknown, where: string): string | null {
  if (value === null) return null;
  if (typeof value !== "string") throw new RecordError(`${where} is ${typeName(value)}, expected a string or null`);
  return value;
}

export const zhihuKol = dschatAdapter({
  dataset: "wangrui6/Zhihu-KOL",
  className: "Wangrui6ZhihuKOLDataset",
  keys: ["INSTRUCTION", "RESPONSE"],
  detect: (sample) =>
    scoreSample(sample, 0.97, (r) => "INSTRUCTION" in r && "RESPONSE" in r, "keys INSTRUCTION, RESPONSE as in wangrui6/Zhihu-KOL"),
  build(record) {
    if (!("INSTRUCTION" in record)) throw missingKey(record, "INSTRUCTION");
    if (!("RESPONSE" in record)) throw missingKey(record, "RESPONSE");
    const question = optionalString(record, "INSTRUCTION");
    const answer = optionalString(record, "RESPONSE");
    return {dschat: humanAssistantStrings(question, answer), parts: questionAnswerParts(question, answer)};
  }
});

function passageText(record: Record<string, unknown>, key: string): string {
  const passage = firstItem(requireKey(record, key), key);
  if (!isRecord(passage)) throw new RecordError(`"${key}[0]" is ${typeName(passage)}, expected an object with "text"`);
  return requireString(passage, "text");
}

/**
 * Cohere MIRACL queries: chosen = first positive passage, rejected = first negative passage, read without a guard
 * (raw_datasets.py:474-489), so an empty list raises IndexError in the methods that index it and only there: a row
 * without negatives still serves steps 1 and 3, one without positives steps 2 (ja only) and 3. The ja class has one
 * guard the zh class lacks: its get_prompt_and_rejected returns None when negative_passages is empty
 * (raw_datasets.py:694-698), so DS-Chat skips such a ja row in step 2 where it stops on the zh one.
 */
function miraclAdapter(language: "zh" | "ja") {
  const dataset = `Cohere/miracl-${language}-queries-22-12`;
  const other = language === "zh" ? "ja" : "zh";
  return dschatAdapter({
    dataset,
    className: language === "zh" ? "CohereMiraclzhqueries2212Dataset" : "CohereMiracljaqueries2212Dataset",
    keys: ["query", "positive_passages", "negative_passages"],
    detect(sample) {
      const japanese = someText(sample, (r) => r.query, hasKana);
      const specificity = (language === "ja") === japanese ? 0.92 : 0.85;
      return scoreSample(
        sample,
        specificity,
        (r) => isString(r.query) && Array.isArray(r.positive_passages) && "negative_passages" in r,
        `keys query, positive_passages, negative_passages as in ${dataset}; ${japanese ? "queries contain kana (Japanese)" : "queries contain no kana"}, the ${other} class reads the same columns (--format dschat:Cohere/miracl-${other}-queries-22-12)`
      );
    },
    build(record) {
      const query = attempt(() => requireString(record, "query"));
      const positive = attempt(() => passageText(record, "positive_passages"));
      const negative =
        language === "ja" ? attempt(() => (requireArray(record, "negative_passages").length ? passageText(record, "negative_passages") : null)) : attempt(() => passageText(record, "negative_passages"));
      return humanAssistantMethods(query, positive, negative);
    }
  });
}

export const miraclZh = miraclAdapter("zh");
export const miraclJa = miraclAdapter("ja");

export const hc3Chinese = dschatAdapter({
  dataset: "Hello-SimpleAI/HC3-Chinese",
  className: "HelloSimpleAIHC3ChineseDataset",
  keys: ["question", "human_answers", "chatgpt_answers"],
  reads: ["question", "human_answers"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.96,
      (r) => isString(r.question) && Array.isArray(r.human_answers),
      "keys question, human_answers (chatgpt_answers unused by DS-Chat) as in Hello-SimpleAI/HC3-Chinese"
    ),
  /** get_prompt reads question only; get_prompt_and_chosen also human_answers[0] (raw_datasets.py:520-541), so a row with no human answer serves step 3. */
  build(record) {
    const question = attempt(() => {
      if (!("question" in record)) throw missingKey(record, "question");
      return optionalString(record, "question");
    });
    const answer = attempt(() => stringOrNone(firstItem(requireKey(record, "human_answers"), "human_answers"), '"human_answers[0]"'));
    return humanAssistantMethods(question, answer);
  }
});

/** mkqa: every record holds all 26 languages; the zh_cn and ja classes read different keys of the same record. */
function mkqaAdapter(language: "zh_cn" | "ja") {
  const dataset = language === "zh_cn" ? "mkqa-Chinese" : "mkqa-Japanese";
  const other = language === "zh_cn" ? "mkqa-Japanese" : "mkqa-Chinese";
  return dschatAdapter({
    dataset,
    className: language === "zh_cn" ? "MkqaChineseDataset" : "MkqaJapaneseDataset",
    keys: ["queries", "answers"],
    detect: (sample) =>
      scoreSample(
        sample,
        language === "zh_cn" ? 0.9 : 0.88,
        (r) => isRecord(r.queries) && isRecord(r.answers) && language in r.queries && language in r.answers,
        `keys queries.${language}, answers.${language} as in mkqa; the same records serve ${other} (--format dschat:${other})`
      ),
    build(record) {
      const question = attempt(() => {
        const queries = requireObject(record, "queries");
        if (!(language in queries)) throw missingKey(queries, language);
        return stringOrNone(queries[language], `"queries.${language}"`);
      });
      const answer = attempt(() => {
        const first = firstItem(requireKey(requireObject(record, "answers"), language), `answers.${language}`);
        if (!isRecord(first)) throw new RecordError(`"answers.${language}[0]" is ${typeName(first)}, expected an object with "text"`);
        if (!("text" in first)) throw missingKey(first, "text");
        return stringOrNone(first.text, `"answers.${language}[0].text"`);
      });
      return humanAssistantMethods(question, answer);
    }
  });
}

export const mkqaChinese = mkqaAdapter("zh_cn");
export const mkqaJapanese = mkqaAdapter("ja");

export const qgJaquad = dschatAdapter({
  dataset: "lmqg/qg_jaquad",
  className: "LmqgQgjaquadDataset",
  keys: ["question", "sentence", "paragraph", "answer"],
  reads: ["question", "sentence"],
  detect: (sample) =>
    scoreSample(sample, 0.9, (r) => isString(r.question) && isString(r.sentence), "keys question, sentence (answer: the sentence) as in lmqg/qg_jaquad"),
  build(record) {
    const question = requireString(record, "question");
    const sentence = requireString(record, "sentence");
    return {dschat: humanAssistantStrings(question, sentence), parts: questionAnswerParts(question, sentence)};
  }
});

export const qagJaquad = dschatAdapter({
  dataset: "lmqg/qag_jaquad",
  className: "LmqgQagjaquadDataset",
  keys: ["paragraph", "questions", "answers"],
  reads: ["paragraph", "questions"],
  detect: (sample) =>
    scoreSample(sample, 0.93, (r) => isString(r.paragraph) && Array.isArray(r.questions), "keys paragraph, questions[] (answer: the paragraph) as in lmqg/qag_jaquad"),
  build(record) {
    const paragraph = requireString(record, "paragraph");
    const question = firstItem(requireKey(record, "questions"), "questions");
    if (typeof question !== "string") throw new RecordError(`"questions[0]" is ${typeName(question)}, expected a string`);
    return {dschat: humanAssistantStrings(question, paragraph), parts: questionAnswerParts(question, paragraph)};
  }
});
