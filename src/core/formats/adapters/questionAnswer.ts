import {acceptConvention, acceptRow, defineAdapter} from "../formatAdapter.js";
import {RecordError, isBlank, isRecord, requireString} from "../recordFields.js";
import {isString, scoreSample} from "../scoreSample.js";
import {localJsonStrings} from "../toLocalJsonRow.js";

/**
 * BELLE eval set (`question`, `std_answer`, `class`). About a third of its rows have an empty std_answer (open
 * generation tasks without a reference): they keep their question as a step-3 prompt and are not SFT targets, since
 * an empty answer would teach the model to stop immediately. `class` is a label, not text to train on.
 */
export const belle = defineAdapter({
  name: "belle",
  title: "BELLE (question, std_answer, class)",
  keys: ["question", "std_answer"],
  reads: ["question", "std_answer"],
  detect: (sample) => scoreSample(sample, 0.95, (r) => isString(r.question) && isString(r.std_answer), "keys question, std_answer (class) as in BELLE's eval set; blank std_answer rows become step-3 prompts"),
  convertObject(record, context) {
    const question = requireString(record, "question");
    const answer = requireString(record, "std_answer");
    if (isBlank(question)) throw new RecordError(`"question" is blank`);
    return acceptConvention(context, {conversation: [{role: "user", content: question}], chosen: isBlank(answer) ? null : answer, rejected: null});
  }
});

/** Generic single-turn pairs, tried in this order on every record; the first pair present wins. */
export const QUESTION_ANSWER_KEYS: ReadonlyArray<readonly [question: string, answer: string]> = [
  ["question", "answer"],
  ["question", "response"],
  ["query", "response"],
  ["query", "answer"],
  ["prompt", "response"],
  ["instruction", "response"],
  ["input", "output"],
  ["input", "target"]
];

function pairOf(record: Record<string, unknown>): readonly [string, string] | undefined {
  return QUESTION_ANSWER_KEYS.find(([q, a]) => isString(record[q]) && isString(record[a]));
}

export const questionAnswer = defineAdapter({
  name: "question-answer",
  title: "Question/answer pairs (question/answer, query/response, prompt/response, input/output, …)",
  keys: ["question", "answer"],
  reads: (record) => pairOf(record) ?? [],
  detect(sample) {
    const first = sample.find((r): r is Record<string, unknown> => isRecord(r) && pairOf(r) !== undefined);
    if (!first) return null;
    const [q, a] = pairOf(first)!;
    return scoreSample(sample, 0.7, (r) => pairOf(r) !== undefined, `keys ${q}, ${a} read as one question and its answer`);
  },
  convertObject(record, context) {
    const pair = pairOf(record);
    if (!pair) {
      throw new RecordError(`no question/answer pair of strings; expected one of ${QUESTION_ANSWER_KEYS.map(([q, a]) => `${q}/${a}`).join(", ")}`);
    }
    const answer = requireString(record, pair[1]);
    return acceptConvention(context, {conversation: [{role: "user", content: requireString(record, pair[0])}], chosen: isBlank(answer) ? null : answer, rejected: null});
  }
});

/**
 * Pre-training text. DS-Chat has no language-modelling phase, but step 1 puts the loss on every token of
 * prompt + answer, so a row with an empty prompt and the text as its answer trains exactly like language modelling.
 * Through local/jsonfile that is `{"prompt": "", "chosen": text}`; its prompt (" ") is useless to step 3 and step 2
 * needs pairs, so these rows serve step 1 only. (Step 3's --unsupervised_dataset_name is the other home for such text,
 * but it only takes Hugging Face Hub datasets.)
 */
export const plainText = defineAdapter({
  name: "text",
  title: "Plain text (text) for step 1 as language modelling",
  keys: ["text"],
  reads: ["text"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.6,
      (r) => isString(r.text) && !("prompt" in r) && !("messages" in r) && !("conversations" in r),
      "key text only: pre-training text, converted to step-1 rows with an empty prompt"
    ),
  convertObject(record, context) {
    const text = requireString(record, "text");
    if (isBlank(text)) throw new RecordError(`"text" is blank`);
    // The strings are exactly what local/jsonfile makes of {"prompt": "", "chosen": text}, so the two cannot drift.
    return acceptRow(context, {conversation: [], chosen: text, rejected: null}, localJsonStrings({prompt: "", chosen: text, rejected: null}), [1]);
  }
});
