import type {DsChatStrings, Turn} from "../../canonical.js";
import {acceptRow, defineAdapter, type ExampleParts, type FormatAdapter, type FormatDetection} from "../formatAdapter.js";
import {RecordError} from "../recordFields.js";
import {renderAnswer, renderDsChat} from "../renderDsChat.js";

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

/**
 * The strings of the built-in classes that follow DS-Chat's own convention (" Human: " + q + " Assistant:", " " + answer,
 * prompt + answer): the same rendering as every other format, so they are written once, in renderDsChat. A missing
 * question gives no prompt (get_prompt returns None) while the answers keep their strings.
 */
export function humanAssistantStrings(question: string | null, chosen: string | null, rejected: string | null = null): DsChatStrings {
  if (question !== null) return renderDsChat(userTurn(question), chosen, rejected);
  return {prompt: null, chosen: renderAnswer(chosen), rejected: renderAnswer(rejected), promptAndChosen: null, promptAndRejected: null};
}

export function questionAnswerParts(question: string | null, answer: string | null, rejected: string | null = null): ExampleParts {
  return {conversation: question === null ? [] : userTurn(question), chosen: answer, rejected};
}
