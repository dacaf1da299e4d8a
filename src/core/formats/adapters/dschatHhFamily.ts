import {parseTranscript} from "../parseTranscript.js";
import {requireString} from "../recordFields.js";
import {hasSpeakerMarkers, isString, scoreSample} from "../scoreSample.js";
import {dschatAdapter, humanAssistantStrings, userTurn, withoutTemplateSpace} from "./dschatBuiltin.js";

/** Dahoas rm-static and full-hh-rlhf: identical classes and columns; HH text already carries "\n\nHuman:" markers. */
function hhStaticAdapter(dataset: string, className: string, specificity: number, ambiguity: string) {
  return dschatAdapter({
    dataset,
    className,
    keys: ["prompt", "response", "chosen", "rejected"],
    reads: ["prompt", "chosen", "rejected"],
    detect: (sample) =>
      scoreSample(
        sample,
        specificity,
        (r) => isString(r.prompt) && isString(r.response) && isString(r.chosen) && isString(r.rejected),
        `keys prompt, response, chosen, rejected as in ${dataset}; ${ambiguity}`
      ),
    build(record) {
      const prompt = requireString(record, "prompt");
      const chosen = requireString(record, "chosen");
      const rejected = requireString(record, "rejected");
      return {
        dschat: {prompt, chosen, rejected, promptAndChosen: prompt + chosen, promptAndRejected: prompt + rejected},
        parts: {conversation: parseTranscript(prompt), chosen: withoutTemplateSpace(chosen), rejected: withoutTemplateSpace(rejected)}
      };
    }
  });
}

export const rmStatic = hhStaticAdapter(
  "Dahoas/rm-static",
  "DahoasRmstaticDataset",
  0.95,
  "Dahoas/full-hh-rlhf has the same columns and strings (pick it with --format dschat:Dahoas/full-hh-rlhf)"
);

export const fullHhRlhf = hhStaticAdapter(
  "Dahoas/full-hh-rlhf",
  "DahoasFullhhrlhfDataset",
  0.93,
  "same columns as Dahoas/rm-static, which is preferred as DS-Chat's default dataset"
);

export const syntheticInstructGptjPairwise = dschatAdapter({
  dataset: "Dahoas/synthetic-instruct-gptj-pairwise",
  className: "DahoasSyntheticinstructgptjpairwiseDataset",
  keys: ["prompt", "chosen", "rejected"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.78,
      (r) => isString(r.prompt) && isString(r.chosen) && isString(r.rejected) && !("response" in r) && !hasSpeakerMarkers(r.prompt),
      "plain-text keys prompt, chosen, rejected as in Dahoas/synthetic-instruct-gptj-pairwise; its strings equal the trl-preference rendering"
    ),
  build(record) {
    const prompt = requireString(record, "prompt");
    const chosen = requireString(record, "chosen");
    const rejected = requireString(record, "rejected");
    return {dschat: humanAssistantStrings(prompt, chosen, rejected), parts: {conversation: userTurn(prompt), chosen, rejected}};
  }
});

/** yitingxie: get_prompt appends "Assistant:" and answers drop everything up to their last "Assistant:", but P&C concatenates the raw columns. */
export const yitingxieRlhfRewardDatasets = dschatAdapter({
  dataset: "yitingxie/rlhf-reward-datasets",
  className: "YitingxieRlhfrewarddatasetsDataset",
  keys: ["prompt", "chosen", "rejected"],
  detect: (sample) =>
    scoreSample(
      sample,
      0.92,
      (r) => isString(r.prompt) && isString(r.chosen) && isString(r.rejected) && (/^\s*Assistant:/.test(r.chosen) || /^\s*Assistant:/.test(r.rejected)),
      'keys prompt, chosen, rejected with answers that start with "Assistant:" as in yitingxie/rlhf-reward-datasets'
    ),
  build(record) {
    const prompt = requireString(record, "prompt");
    const chosen = requireString(record, "chosen");
    const rejected = requireString(record, "rejected");
    const chosenText = chosen.split("Assistant:").at(-1)!;
    const rejectedText = rejected.split("Assistant:").at(-1)!;
    return {
      dschat: {
        prompt: prompt + "Assistant:",
        chosen: chosenText,
        rejected: rejectedText,
        promptAndChosen: prompt + chosen,
        promptAndRejected: prompt + rejected
      },
      parts: {conversation: parseTranscript(prompt), chosen: chosenText.trim(), rejected: rejectedText.trim()}
    };
  }
});
