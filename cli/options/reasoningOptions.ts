/**
 * The options `convert` and `inspect` share about reasoning parts (LLaMA-Factory's v1 `reasoning` content parts and
 * `reasoning_content`), declared once; `reasoningOf` turns their values into the engine's option.
 */
import {DEFAULT_REASONING, REASONING_MODES, formatReasoningMarkers, parseReasoningMarkers, type ReasoningOption} from "../../src/core/formats/reasoning.js";
import {option} from "./optionSpec.js";
import {choice, markerPair} from "./parsers.js";

export const reasoningOptions = {
  "reasoning": option({
    parse: choice(REASONING_MODES),
    default: DEFAULT_REASONING.mode,
    placeholder: "inline|drop",
    help: "reasoning parts of messages: keep them before the answer text between markers, or drop them"
  }),
  "reasoning-markers": option({
    parse: markerPair,
    default: formatReasoningMarkers(DEFAULT_REASONING),
    placeholder: "OPEN,CLOSE",
    help: "the markers around inline reasoning (\\n is a newline, \\, a comma)"
  })
};

export function reasoningOf(values: {reasoning: ReasoningOption["mode"]; "reasoning-markers": string}): ReasoningOption {
  const [open, close] = parseReasoningMarkers(values["reasoning-markers"]);
  return {mode: values.reasoning, open, close};
}
