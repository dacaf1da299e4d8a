import {acceptConvention, defineAdapter} from "../formatAdapter.js";
import {RecordError, isBlank, requireString, typeName} from "../recordFields.js";
import {looksLikeMessages, readMessages, splitFinalAnswer, splitPreferencePair} from "../readMessages.js";
import {isString, scoreSample} from "../scoreSample.js";
import {systemTurns} from "../systemTurns.js";

/**
 * OpenAI-style `messages` (TRL conversational language modelling, LLaMA-Factory v1 typed parts, Amazon Nova with
 * `schemaVersion` and `[{text}]` parts). `loss_weight` and other per-message fields are ignored: DS-Chat step 1
 * computes the loss over the whole sequence.
 */
export const messages = defineAdapter({
  name: "messages",
  title: "OpenAI messages (role/content; also LLaMA-Factory v1 and Amazon Nova)",
  keys: ["messages"],
  reads: ["messages", "system", "tools"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.9,
      (r) => looksLikeMessages(r.messages, "role") && !("label" in r),
      "key messages with role/content turns (content as text or typed parts) as in OpenAI/TRL, LLaMA-Factory v1 and Amazon Nova"
    ),
  convertObject(record, context) {
    const turns = [...systemTurns(record, context), ...readMessages(record.messages, "messages", context)];
    const {conversation, answer} = splitFinalAnswer(turns, "messages");
    return acceptConvention(context, {conversation, chosen: isBlank(answer) ? null : answer, rejected: null});
  }
});

/**
 * KTO / unpaired preference (`messages` + `label`, or TRL's `prompt` + `completion` + `label`). DS-Chat has no
 * unpaired objective: a desirable (true) answer is an SFT target and becomes chosen; an undesirable (false) answer
 * must never be trained on as SFT, so it is kept as rejected only. Such rows serve step 3 with their prompt, and a
 * later pairing step can match them with a desirable answer to the same prompt.
 */
export const kto = defineAdapter({
  name: "kto",
  title: "KTO unpaired preference (messages or prompt/completion + boolean label)",
  keys: ["messages", "label"],
  reads: ["messages", "prompt", "completion", "label", "system", "tools"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.97,
      (r) => typeof r.label === "boolean" && (looksLikeMessages(r.messages, "role") || (isString(r.prompt) && isString(r.completion))),
      "keys messages (or prompt, completion) and a boolean label as in KTO data; label true becomes chosen, false becomes rejected only"
    ),
  convertObject(record, context) {
    if (typeof record.label !== "boolean") throw new RecordError(`"label" is ${typeName(record.label)}, expected true (desirable) or false (undesirable)`);
    let split;
    if ("messages" in record) {
      split = splitFinalAnswer([...systemTurns(record, context), ...readMessages(record.messages, "messages", context)], "messages");
    } else {
      split = {conversation: [{role: "user" as const, content: requireString(record, "prompt")}], answer: requireString(record, "completion")};
    }
    const {conversation, answer} = split;
    return acceptConvention(context, record.label ? {conversation, chosen: answer, rejected: null} : {conversation, chosen: null, rejected: answer});
  }
});

/** LLaMA-Factory v1 preference: two full transcripts that share the prompt turns. */
export const lfV1Preference = defineAdapter({
  name: "lf-v1-preference",
  title: "LLaMA-Factory v1 preference (chosen_messages, rejected_messages)",
  keys: ["chosen_messages", "rejected_messages"],
  reads: ["chosen_messages", "rejected_messages"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.98,
      (r) => looksLikeMessages(r.chosen_messages, "role") && looksLikeMessages(r.rejected_messages, "role"),
      "keys chosen_messages, rejected_messages as in LLaMA-Factory v1 preference data"
    ),
  convertObject(record, context) {
    const chosenTurns = readMessages(record.chosen_messages, "chosen_messages", context);
    const rejectedTurns = readMessages(record.rejected_messages, "rejected_messages", context);
    const {conversation, answer, rejectedAnswer} = splitPreferencePair(chosenTurns, rejectedTurns, "chosen_messages", "rejected_messages");
    return acceptConvention(context, {conversation, chosen: answer, rejected: rejectedAnswer});
  }
});
