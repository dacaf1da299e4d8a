import type {DsChatStrings, Turn} from "../canonical.js";

/**
 * DS-Chat's documented convention (raw_datasets.py, PromptRawDataset comments): prompt = " Human: " + q + " Assistant:",
 * answer = " " + a, prompt-and-answer = prompt + answer. Every non-built-in format renders through this one function,
 * so the strings and `toLocalJsonRow` agree by construction.
 *
 * DS-Chat has no system or tool role, so:
 * - a system turn renders as its bare text where it occurs (normally before the first Human turn), the way
 *   Anthropic's text-completion format placed a system prompt before the first "Human:"; empty system turns vanish;
 * - a tool result (role "tool", e.g. ShareGPT "observation") renders as a Human turn: it is input the model reads,
 *   not text it should learn to write, and it keeps the Human/Assistant alternation;
 * - an assistant tool call (ShareGPT "function_call") renders as an Assistant turn holding the call text.
 */
export const HUMAN_MARKER = " Human: ";
export const ASSISTANT_MARKER = " Assistant: ";
export const PROMPT_END = " Assistant:";

export function renderTurn(turn: Turn): string {
  switch (turn.role) {
    case "system":
      return turn.content === "" ? "" : " " + turn.content;
    case "user":
    case "tool":
      return HUMAN_MARKER + turn.content;
    case "assistant":
      return ASSISTANT_MARKER + turn.content;
  }
}

/** " Human: u1 Assistant: a1 Human: u2 Assistant:" */
export function renderPrompt(conversation: readonly Turn[]): string {
  return conversation.map(renderTurn).join("") + PROMPT_END;
}

export function renderAnswer(answer: string | null): string | null {
  return answer === null ? null : " " + answer;
}

/**
 * The (frozen) results of renderDsChat. Every one of them starts its prompt and answers with a space and builds the
 * prompt-and-answer strings as prompt + answer, so local/jsonfile reproduces it exactly: localJsonDeviation skips
 * comparing (and flattening) the five strings of such rows, the hot path of a large conversion.
 */
const conventionRenderings = new WeakSet<DsChatStrings>();

export function isConventionRendering(strings: DsChatStrings): boolean {
  return conventionRenderings.has(strings);
}

/** The five DS-Chat strings for a conversation and its responses under the documented convention. */
export function renderDsChat(conversation: readonly Turn[], chosen: string | null, rejected: string | null): DsChatStrings {
  const prompt = renderPrompt(conversation);
  const chosenText = renderAnswer(chosen);
  const rejectedText = renderAnswer(rejected);
  const strings: DsChatStrings = Object.freeze({
    prompt,
    chosen: chosenText,
    rejected: rejectedText,
    promptAndChosen: chosenText === null ? null : prompt + chosenText,
    promptAndRejected: rejectedText === null ? null : prompt + rejectedText
  });
  conventionRenderings.add(strings);
  return strings;
}

