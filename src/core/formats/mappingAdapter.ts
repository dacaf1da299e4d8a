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

/** --map: the user names where prompt, chosen, rejected (and system) are; DS-Chat strings follow the convention. */
export function mappingAdapter(mapping: Mapping): FormatAdapter {
  const mapped = (["prompt", "chosen", "rejected", "system"] as const).filter((target) => mapping[target]);
  return defineAdapter({
    name: "map",
    title: `Column mapping (${mapping.spec})`,
    keys: mapping.prompt.length && typeof mapping.prompt[0] === "string" ? [mapping.prompt[0]] : undefined,
    reads: mapped.flatMap((target) => (typeof mapping[target]![0] === "string" ? [mapping[target]![0] as string] : [])),
    detect: (sample) =>
      scoreSample(
        sample,
        1,
        (record) => mapped.every((target) => resolvePath(record, mapping[target]!).found),
        `--map ${mapped.map((target) => `${target}=${formatPath(mapping[target]!)}`).join(",")} resolves`
      ),
    convertObject(record, context) {
      const conversation = promptTurns(valueAt(record, "prompt", mapping.prompt), mapping.prompt, context);
      if (mapping.system) {
        const system = valueAt(record, "system", mapping.system);
        if (system !== null) {
          const content = readContent(system, `--map system=${formatPath(mapping.system)}`, context);
          if (content) conversation.unshift({role: "system", content});
        }
      }
      const chosen = mapping.chosen ? answerText(valueAt(record, "chosen", mapping.chosen), "chosen", mapping.chosen, context) : null;
      const rejected = mapping.rejected ? answerText(valueAt(record, "rejected", mapping.rejected), "rejected", mapping.rejected, context) : null;
      // Without a rejected answer this is SFT data, where a blank answer means "no answer" (see the alpaca adapter).
      return acceptConvention(context, {conversation, chosen: !mapping.rejected && isBlank(chosen) ? null : chosen, rejected});
    }
  });
}
