import type {Turn} from "../canonical.js";
import type {RowContext} from "./formatAdapter.js";
import {RecordError, typeName} from "./recordFields.js";
import {readContent} from "./readMessages.js";

/**
 * Top-level `system` (a string, or Amazon Nova's `[{text}]`) and `tools` (LLaMA-Factory's JSON string of function
 * definitions, or the parsed list) become system turns at the start of the conversation: DS-Chat has no system slot,
 * and the model needs the tool definitions in context to learn the calls.
 */
export function systemTurns(record: Record<string, unknown>, context: RowContext): Turn[] {
  const turns: Turn[] = [];
  const system = record.system;
  if (system !== undefined && system !== null) {
    const content = readContent(system, '"system"', context);
    if (content !== "") turns.push({role: "system", content});
  }
  const tools = record.tools;
  if (tools !== undefined && tools !== null && tools !== "") {
    if (typeof tools === "string") turns.push({role: "system", content: tools, name: "tools"});
    else if (typeof tools === "object") turns.push({role: "system", content: JSON.stringify(tools), name: "tools"});
    else throw new RecordError(`"tools" is ${typeName(tools)}, expected a JSON string or a list of function definitions`);
  }
  return turns;
}
