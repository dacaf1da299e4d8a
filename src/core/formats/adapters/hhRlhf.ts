import type {Turn} from "../../canonical.js";
import {acceptConvention, defineAdapter} from "../formatAdapter.js";
import {RecordError, requireString} from "../recordFields.js";
import {isString, scoreSample} from "../scoreSample.js";

const HUMAN = "\n\nHuman: ";
const ASSISTANT = "\n\nAssistant: ";

/** Blocks of this many characters are compared as strings (a native compare) before the per-character tail. */
const PREFIX_BLOCK = 128;

function commonPrefixLength(a: string, b: string): number {
  const limit = Math.min(a.length, b.length);
  let i = 0;
  // Transcripts share most of their text; comparing it in blocks is ~3x faster than charCodeAt alone.
  while (i + PREFIX_BLOCK <= limit && a.slice(i, i + PREFIX_BLOCK) === b.slice(i, i + PREFIX_BLOCK)) i += PREFIX_BLOCK;
  while (i < limit && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

export interface HhDialogue {
  conversation: Turn[];
  chosen: string;
  rejected: string;
}

/**
 * TRL's hh-rlhf recipe (examples/datasets/hh-rlhf-helpful-base.py): the prompt is the common character prefix of the
 * two transcripts, cut back to its last "\n\nAssistant: " when the responses happen to share leading characters
 * ("I" / "I'm…"); turns are split on "\n\nHuman: " / "\n\nAssistant: ". Unlike TRL, text before the first marker is
 * kept as a system turn, and transcripts with no shared assistant cue are rejected instead of being cut at a wrong
 * place.
 */
export function extractHhDialogue(chosen: string, rejected: string): HhDialogue {
  let promptEnd = commonPrefixLength(chosen, rejected);
  if (!chosen.slice(0, promptEnd).endsWith(ASSISTANT)) {
    const cue = promptEnd < ASSISTANT.length ? -1 : chosen.lastIndexOf(ASSISTANT, promptEnd - ASSISTANT.length);
    if (cue < 0) throw new RecordError(`chosen and rejected share no "\\n\\nAssistant: " cue, so the prompt cannot be told from the responses`);
    promptEnd = cue + ASSISTANT.length;
  }
  const promptText = chosen.slice(0, promptEnd - ASSISTANT.length);
  const pieces = promptText.split(/(\n\nAssistant: |\n\nHuman: )/);
  const conversation: Turn[] = [];
  if (pieces[0] !== "") conversation.push({role: "system", content: pieces[0]});
  for (let i = 1; i < pieces.length; i += 2) {
    conversation.push({role: pieces[i] === HUMAN ? "user" : "assistant", content: pieces[i + 1]});
  }
  if (!conversation.some((turn) => turn.role === "user")) throw new RecordError(`the shared prompt has no "\\n\\nHuman: " turn`);
  return {conversation, chosen: chosen.slice(promptEnd), rejected: rejected.slice(promptEnd)};
}

export const hhRlhf = defineAdapter({
  name: "hh-rlhf",
  title: "Anthropic hh-rlhf transcripts (chosen, rejected)",
  keys: ["chosen", "rejected"],
  reads: ["chosen", "rejected"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.95,
      (r) => isString(r.chosen) && isString(r.rejected) && r.chosen.includes(HUMAN) && r.chosen.includes("\n\nAssistant:") && !("prompt" in r),
      'keys chosen, rejected as "\\n\\nHuman: … \\n\\nAssistant: …" transcripts as in Anthropic hh-rlhf'
    ),
  convertObject(record, context) {
    const dialogue = extractHhDialogue(requireString(record, "chosen"), requireString(record, "rejected"));
    return acceptConvention(context, dialogue);
  }
});
