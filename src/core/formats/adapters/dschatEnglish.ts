import {parseTranscript} from "../parseTranscript.js";
import {RecordError, isRecord, requireObject, requireString, typeName} from "../recordFields.js";
import {isString, scoreSample} from "../scoreSample.js";
import {dschatAdapter, humanAssistantStrings, userTurn} from "./dschatBuiltin.js";

/** Python float(x) for the values JSON can hold; throws where Python raises. */
function pythonFloat(value: unknown, key: string): number {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string") {
    const text = value.trim().replaceAll("_", "");
    if (/^[+-]?nan$/i.test(text)) return NaN;
    if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return Number(text);
  }
  throw new RecordError(`"${key}" is ${typeName(value)} that float() cannot read`);
}

/** Python int(x) for JSON values; int("1.0") raises in Python, and so does this. */
function pythonInt(value: unknown, key: string): number {
  if (typeof value === "number" && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value.replaceAll("_", ""))) return Number.parseInt(value.replaceAll("_", ""), 10);
  throw new RecordError(`"${key}" is ${typeName(value)} that int() cannot read`);
}

/**
 * webgpt answers cite sources as "[1]" / "(2)"; DS-Chat removes them with two regexes, space-prefixed first.
 * Python's "." does not match "\n" (and only "\n"), hence [^\n] rather than JavaScript's ".".
 */
export function stripWebgptCitations(response: string): string {
  return response.replace(/ [([][^\n]*?[)\]]/g, "").replace(/[([][^\n]*?[)\]]/g, "");
}

export const webgptComparisons = dschatAdapter({
  dataset: "openai/webgpt_comparisons",
  className: "OpenaiWebgptcomparisonsDataset",
  keys: ["question", "answer_0", "answer_1", "score_0", "score_1"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.98,
      (r) => isRecord(r.question) && isString(r.question.full_text) && isString(r.answer_0) && isString(r.answer_1) && "score_0" in r && "score_1" in r,
      "keys question.full_text, answer_0, answer_1, score_0, score_1 as in openai/webgpt_comparisons"
    ),
  build(record) {
    const question = requireString(requireObject(record, "question"), "full_text");
    const score0 = pythonFloat(record.score_0, "score_0");
    const score1 = pythonFloat(record.score_1, "score_1");
    const answer0 = requireString(record, "answer_0");
    const answer1 = requireString(record, "answer_1");
    // Ties: chosen uses >= and rejected uses <, so a tie gives chosen = answer_0 and rejected = answer_1.
    const chosen = stripWebgptCitations(score0 >= score1 ? answer0 : answer1);
    const rejected = stripWebgptCitations(score0 < score1 ? answer0 : answer1);
    return {dschat: humanAssistantStrings(question, chosen, rejected), parts: {conversation: userTurn(question), chosen, rejected}};
  }
});

export const stanfordShp = dschatAdapter({
  dataset: "stanfordnlp/SHP",
  className: "StanfordnlpSHPDataset",
  keys: ["history", "human_ref_A", "human_ref_B", "labels"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.98,
      (r) => isString(r.history) && isString(r.human_ref_A) && isString(r.human_ref_B) && "labels" in r,
      "keys history, human_ref_A, human_ref_B, labels as in stanfordnlp/SHP"
    ),
  build(record) {
    const history = requireString(record, "history");
    const refA = requireString(record, "human_ref_A");
    const refB = requireString(record, "human_ref_B");
    // labels == 1 means A is preferred; any other value (0, or a stray 2) makes B the chosen answer.
    const aWins = pythonInt(record.labels, "labels") === 1;
    const chosen = aWins ? refA : refB;
    const rejected = aWins ? refB : refA;
    return {dschat: humanAssistantStrings(history, chosen, rejected), parts: {conversation: userTurn(history), chosen, rejected}};
  }
});

function nonEmptyOrNull(record: Record<string, unknown>, key: string): string | null {
  const value = record[key];
  if (value === undefined) throw new RecordError(`missing key "${key}"`);
  if (value === null) return null;
  if (typeof value !== "string") throw new RecordError(`"${key}" is ${typeName(value)}, expected a string or null`);
  return value.length > 0 ? value : null;
}

/** SFT-only: the prompt is a "USER: … ASSISTANT:" transcript renamed to Human/Assistant; rejected is always None. */
export const pvduySharegptAlpacaOaVicuna = dschatAdapter({
  dataset: "pvduy/sharegpt_alpaca_oa_vicuna_format",
  className: "PvduySharegptalpacaoavicunaformatDataset",
  keys: ["prompt", "label"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.93,
      (r) => isString(r.prompt) && isString(r.label) && /USER:/.test(r.prompt) && !("chosen" in r),
      'keys prompt ("USER: … ASSISTANT:" transcript) and label as in pvduy/sharegpt_alpaca_oa_vicuna_format'
    ),
  build(record) {
    const raw = nonEmptyOrNull(record, "prompt");
    const label = nonEmptyOrNull(record, "label");
    const prompt = raw === null ? null : raw.replaceAll("USER", "Human").replaceAll("ASSISTANT", "Assistant");
    return {
      dschat: {
        prompt,
        chosen: label === null ? null : " " + label,
        rejected: null,
        promptAndChosen: prompt === null || label === null ? null : prompt + " " + label,
        promptAndRejected: null
      },
      parts: {conversation: prompt === null ? [] : parseTranscript(prompt), chosen: label, rejected: null}
    };
  }
});
