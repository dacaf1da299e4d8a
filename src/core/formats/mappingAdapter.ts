import type {Turn} from "../canonical.js";
import {acceptConvention, defineAdapter, type FormatAdapter, type RowContext} from "./formatAdapter.js";
import {formatPath, resolvePath, type Mapping, type PathSegment} from "./parseMapping.js";
import {RecordError, isBlank, isRecord, typeName} from "./recordFields.js";
import {readContent, readMessages, readResponse} from "./readMessages.js";
import {scoreSample} from "./scoreSample.js";

function valueAt(record: Record<string, unknown>, target: string, path: readonly PathSegment[]): unknown {
  const resolved = resolvePath(record, path);
  if (!resolved.found) throw new RecordError(`--map ${target}=${formatPath(path)}: ${resolved.why}`);
  return resolved.value;
}

function promptTurns(value: unknown, path: readonly PathSegment[], context: RowContext): Turn[] {
  if (typeof value === "string") return [{role: "user", content: value}];
  if (Array.isArray(value)) return readMessages(value, formatPath(path), context);
  throw new RecordError(`--map prompt=${formatPath(path)} is ${typeName(value)}, expected a string or a list of messages`);
}

function answerText(value: unknown, target: string, path: readonly PathSegment[], context: RowContext): string | null {
  if (value === null) return null;
  if (Array.isArray(value)) {
    const turns = readMessages(value, formatPath(path), context);
    const last = turns[turns.length - 1];
    if (last.role !== "assistant") throw new RecordError(`--map ${target}=${formatPath(path)} ends with a ${last.role} turn, expected an assistant answer`);
    return last.content;
  }
  if (typeof value === "string" || isRecord(value)) return readResponse(value, `${target}=${formatPath(path)}`, context);
  throw new RecordError(`--map ${target}=${formatPath(path)} is ${typeName(value)}, expected a string`);
}

/**
 * A conversation column: every turn up to the last user turn is the prompt; a final assistant turn is the chosen answer
 * unless chosen is mapped on its own.
 */
function conversationParts(value: unknown, path: readonly PathSegment[], chosenMapped: boolean, context: RowContext): {conversation: Turn[]; chosen: string | null} {
  if (!Array.isArray(value)) throw new RecordError(`--map conversation=${formatPath(path)} is ${typeName(value)}, expected a list of messages`);
  const turns = readMessages(value, formatPath(path), context);
  const last = turns[turns.length - 1];
  if (!chosenMapped && last?.role === "assistant") return {conversation: turns.slice(0, -1), chosen: last.content};
  return {conversation: turns, chosen: null};
}

/** --map: the user names where prompt (or conversation), chosen, rejected and system are; DS-Chat strings follow the convention. */
export function mappingAdapter(mapping: Mapping): FormatAdapter {
  const mapped = (["prompt", "conversation", "chosen", "rejected", "system"] as const).filter((target) => mapping[target]);
  const first = (mapping.prompt ?? mapping.conversation)!;
  return defineAdapter({
    name: "map",
    title: `Column mapping (${mapping.spec})`,
    keys: first.length && typeof first[0] === "string" ? [first[0]] : undefined,
    reads: mapped.flatMap((target) => (typeof mapping[target]![0] === "string" ? [mapping[target]![0] as string] : [])),
    detect: (sample) =>
      scoreSample(
        sample,
        1,
        (record) => mapped.every((target) => resolvePath(record, mapping[target]!).found),
        `--map ${mapped.map((target) => `${target}=${formatPath(mapping[target]!)}`).join(",")} resolves`
      ),
    convertObject(record, context) {
      const fromConversation = mapping.conversation ? conversationParts(valueAt(record, "conversation", mapping.conversation), mapping.conversation, Boolean(mapping.chosen), context) : null;
      const conversation = fromConversation ? fromConversation.conversation : promptTurns(valueAt(record, "prompt", mapping.prompt!), mapping.prompt!, context);
      if (mapping.system) {
        const system = valueAt(record, "system", mapping.system);
        if (system !== null) {
          const content = readContent(system, `--map system=${formatPath(mapping.system)}`, context);
          if (content) conversation.unshift({role: "system", content});
        }
      }
      const chosen = mapping.chosen ? answerText(valueAt(record, "chosen", mapping.chosen), "chosen", mapping.chosen, context) : (fromConversation?.chosen ?? null);
      const rejected = mapping.rejected ? answerText(valueAt(record, "rejected", mapping.rejected), "rejected", mapping.rejected, context) : null;
      // Without a rejected answer this is SFT data, where a blank answer means "no answer" (see the alpaca adapter).
      return acceptConvention(context, {conversation, chosen: !mapping.rejected && isBlank(chosen) ? null : chosen, rejected});
    }
  });
}
