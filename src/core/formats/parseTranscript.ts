import type {Turn} from "../canonical.js";

/**
 * Turns of a text transcript that marks speakers with "Human:" / "Assistant:" (Anthropic HH, Dahoas rm-static,
 * DS-Chat local/jsonfile prompts). Best effort, for display and statistics only: the DS-Chat strings of built-in
 * formats are computed from the raw text, never from these turns. A marker counts at the start of the text or after
 * whitespace; text before the first marker becomes a system turn; a trailing empty "Assistant:" (the generation cue)
 * is dropped; contents are trimmed.
 */
const MARKER = /(?:^|(?<=\s))(Human|Assistant):/g;

export function parseTranscript(text: string): Turn[] {
  const turns: Turn[] = [];
  const matches = [...text.matchAll(MARKER)];
  const preamble = (matches.length ? text.slice(0, matches[0].index) : text).trim();
  if (preamble) turns.push({role: matches.length ? "system" : "user", content: preamble});
  matches.forEach((match, i) => {
    const start = match.index! + match[0].length;
    const end = i + 1 < matches.length ? matches[i + 1].index! : text.length;
    const content = text.slice(start, end).trim();
    const role = match[1] === "Human" ? "user" : "assistant";
    if (role === "assistant" && content === "" && i === matches.length - 1) return;
    turns.push({role, content});
  });
  return turns;
}
