import type {DsChatStrings, Turn} from "../../canonical.js";
import {acceptRow, defineAdapter, type ExampleParts, type FormatAdapter, type FormatDetection} from "../formatAdapter.js";
import {RecordError} from "../recordFields.js";

/**
 * One DS-Chat built-in dataset class (raw_datasets.py at 83757d9c). `build` returns exactly the five strings the
 * class's methods return, with Python's semantics: a method that returns None gives null, and a record on which a
 * method DS-Chat calls would raise (KeyError, IndexError, TypeError) is rejected with the reason, since DS-Chat
 * itself would stop there.
 */
export interface BuiltinDefinition {
  /** The --data_path name DS-Chat dispatches on, e.g. "Dahoas/rm-static". */
  dataset: string;
  className: string;
  keys: readonly string[];
  detect(sample: readonly unknown[]): FormatDetection | null;
  build(record: Record<string, unknown>): {dschat: DsChatStrings; parts: ExampleParts};
}

export function dschatAdapter(definition: BuiltinDefinition): FormatAdapter {
  return defineAdapter({
    name: `dschat:${definition.dataset}`,
    title: `DS-Chat built-in ${definition.dataset} (${definition.className})`,
    keys: definition.keys,
    detect: definition.detect,
    convertObject(record, context) {
      try {
        const {dschat, parts} = definition.build(record);
        return acceptRow(context, parts, dschat);
      } catch (error) {
        if (error instanceof RecordError) throw new RecordError(`DS-Chat's ${definition.className} cannot use this row: ${error.message}`);
        throw error;
      }
    }
  });
}

/** DS-Chat answers carry one leading space (" " + answer); the canonical raw text does not. */
export function withoutTemplateSpace(text: string | null): string | null {
  return text !== null && text.startsWith(" ") ? text.slice(1) : text;
}

export function userTurn(content: string): Turn[] {
  return [{role: "user", content}];
}

/** The common shape of DS-Chat's Chinese/Japanese classes: " Human: " + q + " Assistant:" and " " + answer, no rejected. */
export function questionAnswerStrings(question: string | null, answer: string | null): DsChatStrings {
  return {
    prompt: question === null ? null : " Human: " + question + " Assistant:",
    chosen: answer === null ? null : " " + answer,
    rejected: null,
    promptAndChosen: question === null || answer === null ? null : " Human: " + question + " Assistant: " + answer,
    promptAndRejected: null
  };
}

export function questionAnswerParts(question: string | null, answer: string | null, rejected: string | null = null): ExampleParts {
  return {conversation: question === null ? [] : userTurn(question), chosen: answer, rejected};
}
