import {acceptRow, defineAdapter} from "../formatAdapter.js";
import {parseTranscript} from "../parseTranscript.js";
import {optionalString} from "../recordFields.js";
import {hasSpeakerMarkers, isStringOrNull, scoreSample} from "../scoreSample.js";
import {localJsonStrings} from "../toLocalJsonRow.js";

/**
 * DS-Chat's `local/jsonfile` (LocalJsonFileDataset): train.json/eval.json rows of prompt/chosen/rejected that already
 * carry "Human: … Assistant:" text; DS-Chat only prepends spaces. A key missing from a row reads as null, as the HF
 * json builder fills columns that other rows have.
 */
export const localJsonfile = defineAdapter({
  name: "dschat:local/jsonfile",
  title: "DS-Chat local/jsonfile (train.json / eval.json)",
  keys: ["prompt", "chosen", "rejected"],
  reads: ["prompt", "chosen", "rejected"],
  detect(sample) {
    const marked = scoreSample(
      sample,
      0.9,
      (r) => typeof r.prompt === "string" && hasSpeakerMarkers(r.prompt) && /Assistant:\s*$/.test(r.prompt) && isStringOrNull(r.chosen) && isStringOrNull(r.rejected ?? null),
      'keys prompt, chosen, rejected with prompts already in "Human: … Assistant:" form, as DS-Chat\'s local/jsonfile expects'
    );
    return (
      marked ??
      scoreSample(
        sample,
        0.55,
        (r) => "prompt" in r && isStringOrNull(r.prompt) && "chosen" in r && isStringOrNull(r.chosen) && isStringOrNull(r.rejected ?? null),
        "keys prompt, chosen (rejected optional) as in DS-Chat's local/jsonfile, but prompts lack Human:/Assistant: markers"
      )
    );
  },
  convertObject(record, context) {
    const prompt = optionalString(record, "prompt");
    const chosen = optionalString(record, "chosen");
    const rejected = optionalString(record, "rejected");
    return acceptRow(context, {conversation: prompt === null ? [] : parseTranscript(prompt), chosen, rejected}, localJsonStrings({prompt, chosen, rejected}));
  }
});
