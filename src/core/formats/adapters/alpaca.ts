import type {Turn} from "../../canonical.js";
import {acceptConvention, defineAdapter, type RowContext} from "../formatAdapter.js";
import {RecordError, isBlank, isRecord, optionalString, requireArray, requireString, typeName} from "../recordFields.js";
import {isString, scoreSample} from "../scoreSample.js";
import {systemTurns} from "../systemTurns.js";

/** LLaMA-Factory's alpaca rule: the user turn is instruction, then input on the next line when input is non-empty. */
export function instructionText(instruction: string, input: string | null): string {
  return input ? instruction + "\n" + input : instruction;
}

function historyTurns(record: Record<string, unknown>): Turn[] {
  if (record.history === undefined || record.history === null) return [];
  return requireArray(record, "history").flatMap((pair, i): Turn[] => {
    if (!Array.isArray(pair) || pair.length !== 2 || !isString(pair[0]) || !isString(pair[1])) {
      throw new RecordError(`"history[${i}]" is ${typeName(pair)}, expected a [question, answer] pair of strings`);
    }
    return [
      {role: "user", content: pair[0]},
      {role: "assistant", content: pair[1]}
    ];
  });
}

function alpacaConversation(record: Record<string, unknown>, context: RowContext): Turn[] {
  const user = instructionText(requireString(record, "instruction"), optionalString(record, "input"));
  return [...systemTurns(record, context), ...historyTurns(record), {role: "user", content: user}];
}

/**
 * Alpaca SFT. A blank output means there is no answer: the row keeps its prompt for step 3 but is not trained on in
 * steps 1-2 (an empty answer would teach the model to stop at once). LLaMA-Factory's older ranking form,
 * `output: [chosen, rejected]`, is read as a preference pair.
 */
export const alpaca = defineAdapter({
  name: "alpaca",
  title: "Alpaca (instruction, input, output)",
  keys: ["instruction", "input", "output"],
  reads: ["instruction", "input", "output", "history", "system", "tools"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.9,
      (r) => isString(r.instruction) && (isString(r.output) || Array.isArray(r.output)) && !("instances" in r),
      "keys instruction, output (input, system, history optional) as in Alpaca"
    ),
  convertObject(record, context) {
    const conversation = alpacaConversation(record, context);
    const output = record.output;
    if (Array.isArray(output)) {
      if (output.length !== 2 || !isString(output[0]) || !isString(output[1])) {
        throw new RecordError(`"output" is a list of ${output.length}; a ranking output must be [chosen, rejected] strings`);
      }
      return acceptConvention(context, {conversation, chosen: output[0], rejected: output[1]});
    }
    const answer = requireString(record, "output");
    return acceptConvention(context, {conversation, chosen: isBlank(answer) ? null : answer, rejected: null});
  }
});

export const alpacaPreference = defineAdapter({
  name: "alpaca-preference",
  title: "Alpaca preference (instruction, input, chosen, rejected)",
  keys: ["instruction", "input", "chosen", "rejected"],
  reads: ["instruction", "input", "chosen", "rejected", "history", "system", "tools"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.93,
      (r) => isString(r.instruction) && isString(r.chosen) && isString(r.rejected),
      "keys instruction, chosen, rejected (input optional) as in LLaMA-Factory's alpaca ranking format"
    ),
  convertObject(record, context) {
    const conversation = alpacaConversation(record, context);
    return acceptConvention(context, {conversation, chosen: requireString(record, "chosen"), rejected: requireString(record, "rejected")});
  }
});

/** Self-instruct seed tasks: one instruction with instances; the first instance is the example. */
export const selfInstruct = defineAdapter({
  name: "self-instruct",
  title: "Self-instruct seed tasks (instruction, instances[{input, output}])",
  keys: ["instruction", "instances"],
  reads: ["instruction", "instances"],
  detect: (sample) =>
    scoreSample(sample, 0.95, (r) => isString(r.instruction) && Array.isArray(r.instances), "keys instruction, instances[{input, output}] as in self-instruct seed tasks; the first instance is used"),
  convertObject(record, context) {
    const instruction = requireString(record, "instruction");
    const instances = requireArray(record, "instances");
    if (!instances.length) throw new RecordError(`"instances" is empty, so there is no example answer`);
    const first = instances[0];
    if (!isRecord(first)) throw new RecordError(`"instances[0]" is ${typeName(first)}, expected {input, output}`);
    const output = requireString(first, "output");
    const conversation: Turn[] = [{role: "user", content: instructionText(instruction, optionalString(first, "input"))}];
    return acceptConvention(context, {conversation, chosen: isBlank(output) ? null : output, rejected: null});
  }
});
