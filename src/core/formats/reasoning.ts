import {UserError} from "../contract/userError.js";

/**
 * What to do with a message's reasoning: LLaMA-Factory's typed `reasoning` parts (v1 layout,
 * `src/llamafactory/v1/utils/types.py` Content.type) and the `reasoning_content` field of Hugging Face chat messages,
 * which LLaMA-Factory builds from those parts (`v1/core/rendering/format.py:50-51, 94-95`). DS-Chat has no reasoning
 * slot: the text is either dropped or kept inline before the message's text between two markers, as LLaMA-Factory asks
 * datasets to hold chain-of-thought (`<think>cot</think>output`, `data/README.md:55`) and as its reasoning templates
 * write it (`thought_words[0] + reasoning + thought_words[1]` then the content, `src/llamafactory/data/template.py:528`).
 */
export interface ReasoningOption {
  mode: "inline" | "drop";
  /** Written before the reasoning (inline only). */
  open: string;
  /** Written after it, before the message's text. */
  close: string;
}

export const REASONING_MODES = ["inline", "drop"] as const;

/**
 * Inline between `<think>` and `</think>`, LLaMA-Factory's dataset layout (`data/README.md:55`). Its templates' own
 * thought words, ("<think>\n", "\n</think>\n\n") (template.py:598), are `--reasoning-markers '<think>\n,\n</think>\n\n'`.
 */
export const DEFAULT_REASONING: ReasoningOption = Object.freeze({mode: "inline", open: "<think>", close: "</think>"});

const ESCAPES: Record<string, string> = {n: "\n", t: "\t", "\\": "\\", ",": ","};

/**
 * "OPEN,CLOSE" with \n, \t, \\ and \, escapes → [open, close], e.g. '<think>\n,\n</think>\n\n'. Exactly one unescaped
 * comma separates them; the open marker may not be empty (the reasoning could not be found again).
 */
export function parseReasoningMarkers(text: string, option = "--reasoning-markers"): [open: string, close: string] {
  const parts: string[] = [""];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "\\" && i + 1 < text.length && ESCAPES[text[i + 1]] !== undefined) {
      parts[parts.length - 1] += ESCAPES[text[++i]];
    } else if (char === ",") parts.push("");
    else parts[parts.length - 1] += char;
  }
  const fix = `Pass the opening and closing marker separated by one comma, e.g. ${option} '<think>\\n,\\n</think>\\n\\n' (\\n is a newline, \\, a comma).`;
  if (parts.length !== 2) throw new UserError(`${JSON.stringify(text)} has ${parts.length - 1} commas; expected OPEN,CLOSE`, {where: {option}, fix});
  if (parts[0] === "") throw new UserError(`${JSON.stringify(text)} has an empty opening marker`, {where: {option}, fix});
  return [parts[0], parts[1]];
}

/** The markers written back as "OPEN,CLOSE" with escapes: how the manifest and the cache key state them. */
export function formatReasoningMarkers({open, close}: Pick<ReasoningOption, "open" | "close">): string {
  const escape = (marker: string) => marker.replace(/[\\,\n\t]/g, (char) => ({"\\": "\\\\", ",": "\\,", "\n": "\\n", "\t": "\\t"})[char]!);
  return `${escape(open)},${escape(close)}`;
}

/** A message's text with its reasoning (null when it has none) dropped or kept inline. */
export function withReasoning(text: string, reasoning: string | null, option: ReasoningOption): string {
  if (reasoning === null || reasoning === "" || option.mode === "drop") return text;
  return option.open + reasoning + option.close + text;
}
