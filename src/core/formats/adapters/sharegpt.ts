import type {Turn} from "../../canonical.js";
import {acceptConvention, defineAdapter, type RowContext} from "../formatAdapter.js";
import {RecordError, isBlank, isRecord, requireString} from "../recordFields.js";
import {looksLikeMessages, readMessages, readResponse, splitFinalAnswer} from "../readMessages.js";
import {isString, scoreSample} from "../scoreSample.js";
import {systemTurns} from "../systemTurns.js";

function conversationsOf(record: Record<string, unknown>, context: RowContext): Turn[] {
  return [...systemTurns(record, context), ...readMessages(record.conversations, "conversations", context)];
}

/** ShareGPT SFT; a blank final answer keeps the prompt for step 3 only (see alpaca). */
export const sharegpt = defineAdapter({
  name: "sharegpt",
  title: "ShareGPT (conversations of from/value)",
  keys: ["conversations"],
  reads: ["conversations", "system", "tools"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.9,
      (r) => looksLikeMessages(r.conversations) && !("chosen" in r) && !("rejected" in r),
      "key conversations with from/value (or role/content) turns, system and tools optional, as in ShareGPT and phoenix's multi-turn data"
    ),
  convertObject(record, context) {
    const {conversation, answer} = splitFinalAnswer(conversationsOf(record, context), "conversations");
    return acceptConvention(context, {conversation, chosen: isBlank(answer) ? null : answer, rejected: null});
  }
});

/** LLaMA-Factory's ShareGPT ranking form: the conversation ends with the user turn both answers reply to. */
export const sharegptPreference = defineAdapter({
  name: "sharegpt-preference",
  title: "ShareGPT preference (conversations + chosen/rejected messages)",
  keys: ["conversations", "chosen", "rejected"],
  reads: ["conversations", "chosen", "rejected", "system", "tools"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.97,
      (r) => looksLikeMessages(r.conversations) && (isRecord(r.chosen) || isString(r.chosen)) && (isRecord(r.rejected) || isString(r.rejected)),
      "keys conversations, chosen, rejected with from/value messages as in LLaMA-Factory's ShareGPT preference format"
    ),
  convertObject(record, context) {
    const conversation = conversationsOf(record, context);
    const last = conversation[conversation.length - 1];
    if (last.role === "assistant") {
      throw new RecordError(`"conversations" ends with an assistant turn; in the preference form it ends with the user turn that chosen and rejected answer`);
    }
    if (!conversation.some((turn) => turn.role === "user")) throw new RecordError(`"conversations" has no user turn`);
    return acceptConvention(context, {conversation, chosen: readResponse(record.chosen, "chosen", context), rejected: readResponse(record.rejected, "rejected", context)});
  }
});

/**
 * Phoenix SFT data (FreedomIntelligence/phoenix-sft-data-v1): single-turn rows `{id, type, from_human, from_gpt}`,
 * and multi-turn rows with ShareGPT `conversations` (human/gpt), which this adapter also reads.
 */
export const phoenixSft = defineAdapter({
  name: "phoenix-sft",
  title: "Phoenix SFT (from_human, from_gpt or conversations)",
  keys: ["id", "type", "from_human", "from_gpt"],
  reads: ["from_human", "from_gpt", "conversations", "system", "tools"],
  detect(sample) {
    return (
      scoreSample(sample, 0.95, (r) => isString(r.from_human) && isString(r.from_gpt), "keys from_human, from_gpt (id, type) as in phoenix-sft-data") ??
      scoreSample(
        sample,
        0.7,
        (r) => "id" in r && looksLikeMessages(r.conversations) && !("chosen" in r),
        "keys id, conversations as in phoenix's multi-turn data (the sharegpt format reads them the same way)"
      )
    );
  },
  convertObject(record, context) {
    if ("conversations" in record && !("from_human" in record)) return sharegpt.convert(record, context);
    const question = requireString(record, "from_human");
    const answer = requireString(record, "from_gpt");
    return acceptConvention(context, {conversation: [{role: "user", content: question}], chosen: isBlank(answer) ? null : answer, rejected: null});
  }
});
