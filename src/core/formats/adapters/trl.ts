import type {Turn} from "../../canonical.js";
import {acceptConvention, defineAdapter, type RowContext} from "../formatAdapter.js";
import {RecordError, isBlank, typeName} from "../recordFields.js";
import {looksLikeMessages, readMessages, readResponse, splitPreferencePair} from "../readMessages.js";
import {hasSpeakerMarkers, isString, scoreSample} from "../scoreSample.js";
import {systemTurns} from "../systemTurns.js";

/** A TRL prompt: a plain string (one user turn) or a conversational list of messages. */
function promptTurns(record: Record<string, unknown>, context: RowContext): Turn[] {
  const prompt = record.prompt;
  if (prompt === undefined) throw new RecordError(`missing key "prompt"`);
  const turns = isString(prompt) ? [{role: "user" as const, content: prompt}] : readMessages(prompt, "prompt", context);
  if (!turns.some((turn) => turn.role === "user")) throw new RecordError(`"prompt" has no user turn`);
  return [...systemTurns(record, context), ...turns];
}

/**
 * A TRL completion: a string, one assistant message, or a list of messages whose last one is the answer (UltraFeedback
 * repeats the prompt before it; the prompt column is authoritative, so those earlier turns are not used).
 */
function answerOf(record: Record<string, unknown>, key: string, context: RowContext): string {
  const value = record[key];
  if (!Array.isArray(value)) return readResponse(value, key, context);
  const turns = readMessages(value, key, context);
  const last = turns[turns.length - 1];
  if (last.role !== "assistant") throw new RecordError(`"${key}" ends with a ${last.name ?? last.role} turn, expected the assistant answer`);
  return last.content;
}

const stringOrMessages = (value: unknown): boolean => isString(value) || looksLikeMessages(value);

export const trlPreference = defineAdapter({
  name: "trl-preference",
  title: "TRL preference with explicit prompt (prompt, chosen, rejected)",
  keys: ["prompt", "chosen", "rejected"],
  reads: ["prompt", "chosen", "rejected", "system", "tools"],
  detect(sample) {
    const plain = (r: Record<string, unknown>) => stringOrMessages(r.prompt) && stringOrMessages(r.chosen) && stringOrMessages(r.rejected) && !("response" in r);
    return (
      scoreSample(sample, 0.8, (r) => plain(r) && !(isString(r.prompt) && hasSpeakerMarkers(r.prompt)), "keys prompt, chosen, rejected (strings or message lists) as in TRL explicit preference data") ??
      scoreSample(sample, 0.6, plain, 'keys prompt, chosen, rejected as in TRL preference data, but prompts carry "Human:/Assistant:" text (dschat:local/jsonfile reads those as they are)')
    );
  },
  convertObject(record, context) {
    return acceptConvention(context, {conversation: promptTurns(record, context), chosen: answerOf(record, "chosen", context), rejected: answerOf(record, "rejected", context)});
  }
});

export const trlImplicitPreference = defineAdapter({
  name: "trl-implicit-preference",
  title: "TRL preference with implicit prompt (chosen, rejected message lists)",
  keys: ["chosen", "rejected"],
  reads: ["chosen", "rejected", "system", "tools"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.9,
      (r) => looksLikeMessages(r.chosen, "role") && looksLikeMessages(r.rejected, "role") && !("prompt" in r),
      "keys chosen, rejected as full message lists (shared prompt turns) as in TRL implicit preference data"
    ),
  convertObject(record, context) {
    const {conversation, answer, rejectedAnswer} = splitPreferencePair(readMessages(record.chosen, "chosen", context), readMessages(record.rejected, "rejected", context), "chosen", "rejected");
    return acceptConvention(context, {conversation: [...systemTurns(record, context), ...conversation], chosen: answer, rejected: rejectedAnswer});
  }
});

/** TRL prompt-completion (SFT); a blank completion keeps the prompt for step 3 only. */
export const promptCompletion = defineAdapter({
  name: "prompt-completion",
  title: "Prompt-completion (prompt, completion)",
  keys: ["prompt", "completion"],
  reads: ["prompt", "completion", "system", "tools"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.85,
      (r) => stringOrMessages(r.prompt) && stringOrMessages(r.completion) && !("label" in r),
      "keys prompt, completion (strings or message lists) as in TRL/OpenAI prompt-completion data"
    ),
  convertObject(record, context) {
    const answer = answerOf(record, "completion", context);
    return acceptConvention(context, {conversation: promptTurns(record, context), chosen: isBlank(answer) ? null : answer, rejected: null});
  }
});

/** Prompts alone: what DS-Chat step 3 (PPO) generates from. */
export const promptOnly = defineAdapter({
  name: "prompt-only",
  title: "Prompt only (prompt), for step 3",
  keys: ["prompt"],
  reads: ["prompt", "system", "tools"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.5,
      (r) => stringOrMessages(r.prompt) && !["chosen", "rejected", "completion", "response", "label", "answer"].some((key) => key in r),
      "key prompt only, as in TRL prompt-only data for PPO (DS-Chat step 3)"
    ),
  convertObject(record, context) {
    if (isString(record.prompt) && isBlank(record.prompt)) throw new RecordError(`"prompt" is ${typeName(record.prompt)}; a step-3 prompt needs text`);
    return acceptConvention(context, {conversation: promptTurns(record, context), chosen: null, rejected: null});
  }
});
