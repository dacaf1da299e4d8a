import type {Role, Turn} from "../canonical.js";
import type {RowContext} from "./formatAdapter.js";
import {DEFAULT_REASONING, withReasoning} from "./reasoning.js";
import {RecordError, isRecord, typeName} from "./recordFields.js";

/**
 * Message lists in every chat shape we accept, normalised to Turns:
 * OpenAI/TRL `{role, content}`, ShareGPT `{from, value}`, content as a string, as typed parts
 * (`[{type: "text", text}]`, LLaMA-Factory v1 `[{type: "text" | "reasoning" | "tool_call", value}]`, Amazon Nova
 * `[{text}]`), or null with OpenAI `tool_calls`; reasoning also as a message's `reasoning_content`. Speaker names map
 * to roles below; the original name is kept in `Turn.name` when it differs.
 */
const ROLE_OF_SPEAKER: Record<string, Role> = {
  user: "user",
  human: "user",
  assistant: "assistant",
  gpt: "assistant",
  bot: "assistant",
  model: "assistant",
  chatgpt: "assistant",
  function_call: "assistant",
  system: "system",
  tool: "tool",
  observation: "tool",
  function: "tool",
  ipython: "tool"
};

export const KNOWN_SPEAKERS = Object.keys(ROLE_OF_SPEAKER);

/**
 * The text of one message's content. Text parts, and LLaMA-Factory v1 `tool_call` parts (a JSON string of the call,
 * written as the text the model must learn to produce, as ShareGPT's function_call turns are), are joined with
 * newlines; `reasoning` parts are joined and, per `context.reasoning`, dropped or put before the text between markers
 * (LLaMA-Factory collects them the same way into reasoning_content, v1/core/rendering/format.py:50-51).
 */
export function readContent(content: unknown, where: string, context: RowContext, extraReasoning: string | null = null): string {
  if (typeof content === "string") return reasoned(content, extraReasoning, context);
  if (Array.isArray(content)) {
    const texts: string[] = [];
    let reasoning = extraReasoning;
    content.forEach((part, i) => {
      if (typeof part === "string") {
        texts.push(part);
        return;
      }
      if (!isRecord(part)) throw new RecordError(`${where} part ${i} is ${typeName(part)}, expected {type: "text", text}`);
      const type = part.type ?? "text";
      if (type !== "text" && type !== "tool_call" && type !== "reasoning") {
        throw new RecordError(`${where} part ${i} has type "${String(type)}": DS-Chat trains on text only; drop non-text parts before converting`);
      }
      const text = part.text ?? part.value;
      if (typeof text !== "string") throw new RecordError(`${where} part ${i} has no string "text" or "value"`);
      if (type === "reasoning") reasoning = (reasoning ?? "") + text;
      else texts.push(text);
    });
    return reasoned(texts.join("\n"), reasoning, context);
  }
  throw new RecordError(`${where} is ${typeName(content)}, expected a string or a list of text parts`);
}

function reasoned(text: string, reasoning: string | null, context: RowContext): string {
  if (reasoning === null || reasoning === "") return text;
  if (context.notes) context.notes.reasoningParts++;
  return withReasoning(text, reasoning, context.reasoning ?? DEFAULT_REASONING);
}

function readMessage(message: unknown, where: string, context: RowContext): Turn {
  if (!isRecord(message)) throw new RecordError(`${where} is ${typeName(message)}, expected an object with role/content or from/value`);
  const speaker = message.role ?? message.from;
  if (typeof speaker !== "string") throw new RecordError(`${where} has no string "role" or "from"`);
  const role = ROLE_OF_SPEAKER[speaker.toLowerCase()];
  if (!role) throw new RecordError(`${where} has unknown speaker "${speaker}"; known: ${KNOWN_SPEAKERS.join(", ")}`);
  // Hugging Face chat messages carry reasoning beside the content (what LLaMA-Factory builds, format.py:94-95).
  const reasoningContent = message.reasoning_content;
  if (reasoningContent !== undefined && reasoningContent !== null && typeof reasoningContent !== "string") {
    throw new RecordError(`${where} "reasoning_content" is ${typeName(reasoningContent)}, expected a string`);
  }
  const reasoning = typeof reasoningContent === "string" ? reasoningContent : null;
  const raw = "content" in message ? message.content : message.value;
  if ((raw === null || raw === undefined || raw === "") && Array.isArray(message.tool_calls) && message.tool_calls.length) {
    // OpenAI assistant tool calls carry no content (null, or "" in Hugging Face chat messages); the call itself is what
    // the model must learn to write.
    const calls = JSON.stringify(message.tool_calls.map((call) => (isRecord(call) && call.function ? call.function : call)));
    return {role, content: reasoned(calls, reasoning, context), name: "tool_calls"};
  }
  const turn: Turn = {role, content: readContent(raw, `${where} content`, context, reasoning)};
  if (speaker !== role) turn.name = speaker;
  return turn;
}

/** `key` names the field for messages, e.g. "conversations". Empty lists are an error. */
export function readMessages(value: unknown, key: string, context: RowContext): Turn[] {
  if (value === undefined) throw new RecordError(`missing key "${key}"`);
  if (!Array.isArray(value)) throw new RecordError(`"${key}" is ${typeName(value)}, expected a list of messages`);
  if (!value.length) throw new RecordError(`"${key}" is an empty conversation`);
  return value.map((message, i) => readMessage(message, `${key}[${i}]`, context));
}

/** A single message object (ShareGPT preference `chosen: {from, value}`) or a bare string. */
export function readResponse(value: unknown, key: string, context: RowContext): string {
  if (typeof value === "string") return value;
  if (value === undefined) throw new RecordError(`missing key "${key}"`);
  if (isRecord(value)) {
    const turn = readMessage(value, `"${key}"`, context);
    if (turn.role !== "assistant") throw new RecordError(`"${key}" is a ${turn.name ?? turn.role} message, expected an assistant answer`);
    return turn.content;
  }
  throw new RecordError(`"${key}" is ${typeName(value)}, expected a string or an assistant message`);
}

/** Is this value a list whose items look like chat messages? Cheap check for detection. */
export function looksLikeMessages(value: unknown, speakerKey: "role" | "from" | "either" = "either"): boolean {
  if (!Array.isArray(value) || !value.length) return false;
  return value.every((m) => isRecord(m) && (speakerKey === "either" ? typeof (m.role ?? m.from) === "string" : typeof m[speakerKey] === "string"));
}

export interface SplitConversation {
  conversation: Turn[];
  answer: string;
}

/**
 * Splits a full conversation into the prompt side and the final assistant answer. Rejects conversations without a
 * user turn or whose last turn is not an assistant answer: DS-Chat would train on a prompt with no response.
 */
export function splitFinalAnswer(turns: Turn[], key: string): SplitConversation {
  if (!turns.some((turn) => turn.role === "assistant")) throw new RecordError(`"${key}" has no assistant turn, so there is no answer to train on`);
  const last = turns[turns.length - 1];
  if (last.role !== "assistant") throw new RecordError(`"${key}" ends with a ${last.name ?? last.role} turn, not an assistant answer; remove trailing turns or add the answer`);
  const conversation = turns.slice(0, -1);
  if (!conversation.some((turn) => turn.role === "user" || turn.role === "tool")) throw new RecordError(`"${key}" has no user turn before the answer`);
  return {conversation, answer: last.content};
}

function sameTurn(a: Turn, b: Turn): boolean {
  return a.role === b.role && a.content === b.content && a.name === b.name;
}

/**
 * TRL's implicit-prompt rule (`extract_prompt`): the prompt is the longest common run of turns at the start of both
 * transcripts, and each transcript must end with exactly one assistant answer after it. Identical transcripts share
 * everything but their last turn (chosen == rejected is for lint to report, not a reason to drop the row).
 */
export function splitPreferencePair(chosenTurns: Turn[], rejectedTurns: Turn[], chosenKey: string, rejectedKey: string): SplitConversation & {rejectedAnswer: string} {
  let common = 0;
  while (common < chosenTurns.length - 1 && common < rejectedTurns.length - 1 && sameTurn(chosenTurns[common], rejectedTurns[common])) common++;
  const chosen = splitFinalAnswer(chosenTurns, chosenKey);
  const rejected = splitFinalAnswer(rejectedTurns, rejectedKey);
  if (chosen.conversation.length !== common || rejected.conversation.length !== common) {
    throw new RecordError(`"${chosenKey}" and "${rejectedKey}" differ before their last turn (they share ${common} leading turns), so they do not answer one prompt`);
  }
  return {conversation: chosen.conversation, answer: chosen.answer, rejectedAnswer: rejected.answer};
}
