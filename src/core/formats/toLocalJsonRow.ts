import type {CanonicalRow, DsChatStrings, LocalJsonRow} from "../canonical.js";
import {isConventionRendering} from "./renderDsChat.js";

/**
 * DS-Chat's `local/jsonfile` (LocalJsonFileDataset) prepends one space to every column it reads:
 * prompt " " + p, chosen " " + c, P&C " " + p + " " + c. So a train.json row reproduces the strings a row was
 * converted to by removing exactly one leading space from the prompt and from each answer. Strings without a leading
 * space (Dahoas rm-static's "\n\nHuman: …") cannot be reproduced; `localJsonDeviation` names those differences.
 */
function withoutLeadingSpace(text: string | null): string | null {
  return text !== null && text.startsWith(" ") ? text.slice(1) : text;
}

export function toLocalJsonRow(row: CanonicalRow): LocalJsonRow {
  return {
    prompt: withoutLeadingSpace(row.dschat.prompt),
    chosen: withoutLeadingSpace(row.dschat.chosen),
    rejected: withoutLeadingSpace(row.dschat.rejected)
  };
}

/** Exactly what DS-Chat's LocalJsonFileDataset methods return for one train.json / eval.json row. */
export function localJsonStrings(row: LocalJsonRow): DsChatStrings {
  const {prompt, chosen, rejected} = row;
  return {
    prompt: prompt === null ? null : " " + prompt,
    chosen: chosen === null ? null : " " + chosen,
    rejected: rejected === null ? null : " " + rejected,
    promptAndChosen: prompt === null || chosen === null ? null : " " + prompt + " " + chosen,
    promptAndRejected: prompt === null || rejected === null ? null : " " + prompt + " " + rejected
  };
}

export interface StringDeviation {
  /** The DsChatStrings key, e.g. "promptAndChosen". */
  method: keyof DsChatStrings;
  /** What the source format's DS-Chat class returns (null also where it raises, see `raises`). */
  expected: string | null;
  /** What local/jsonfile returns for the converted row. */
  actual: string | null;
  /** Where the class's method raises on the row: why. local/jsonfile returns None there, so the phase skips the row. */
  raises?: string;
}

export interface LocalJsonDeviation {
  deviations: StringDeviation[];
  /** The methods that differ and how ("promptAndRejected!" = raises); rows of one kind are counted together. */
  kind: string;
  /** One sentence for a manifest, e.g. 'prompt gains a leading space ("\n\nHuman: …" → " \n\nHuman: …")'. */
  summary: string;
}

const METHOD_NAMES: Record<keyof DsChatStrings, string> = {
  prompt: "get_prompt",
  chosen: "get_chosen",
  rejected: "get_rejected",
  promptAndChosen: "get_prompt_and_chosen",
  promptAndRejected: "get_prompt_and_rejected"
};

function clip(text: string | null): string {
  if (text === null) return "None";
  const shown = text.length > 40 ? text.slice(0, 40) + "…" : text;
  return JSON.stringify(shown);
}

/** The DS-Chat steps that call each method (data_utils.py:176, 197-200, 224). */
const STEPS_CALLING: Partial<Record<keyof DsChatStrings, string>> = {prompt: "step 3", promptAndChosen: "steps 1 and 2", promptAndRejected: "step 2"};

/**
 * null when local/jsonfile reproduces the row's DS-Chat strings exactly after `toLocalJsonRow`; otherwise every
 * method whose string differs, so a conversion manifest can state that training through local/jsonfile is not
 * byte-identical to loading the original dataset by name. A method that raises on the row in the original class is a
 * deviation too: loaded by name, DS-Chat stops in the steps that call it; through local/jsonfile they skip the row.
 */
export function localJsonDeviation(row: CanonicalRow): LocalJsonDeviation | null {
  const deviations: StringDeviation[] = [];
  const raised = row.raises ? (Object.keys(METHOD_NAMES) as Array<keyof DsChatStrings>).filter((method) => row.raises![method] !== undefined) : [];
  if (!raised.length && isConventionRendering(row.dschat)) return null;
  const actual = localJsonStrings(toLocalJsonRow(row));
  for (const method of Object.keys(METHOD_NAMES) as Array<keyof DsChatStrings>) {
    if (raised.includes(method)) deviations.push({method, expected: null, actual: actual[method], raises: row.raises![method]});
    else if (actual[method] !== row.dschat[method]) deviations.push({method, expected: row.dschat[method], actual: actual[method]});
  }
  if (!deviations.length) return null;
  const summary = deviations
    .map(({method, expected, actual, raises}) =>
      raises === undefined
        ? `${METHOD_NAMES[method]} returns ${clip(actual)} through local/jsonfile instead of ${clip(expected)}`
        : `${METHOD_NAMES[method]} raises on this row when DS-Chat loads the dataset by name (${raises}), which stops ${STEPS_CALLING[method]}; through local/jsonfile it returns ${clip(actual)}, so ${STEPS_CALLING[method]} skip${method === "promptAndChosen" ? "" : "s"} the row`
    )
    .join("; ");
  return {deviations, kind: deviations.map(({method, raises}) => (raises === undefined ? method : `${method}!`)).join(","), summary};
}
