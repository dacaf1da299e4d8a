import type {DsChatStrings, MethodRaises, Turn} from "../../canonical.js";
import {phasesOf} from "../../canonical.js";
import {acceptRow, defineAdapter, type ExampleParts, type FormatAdapter, type FormatDetection} from "../formatAdapter.js";
import {RecordError} from "../recordFields.js";
import {renderAnswer, renderDsChat} from "../renderDsChat.js";

/**
 * One DS-Chat built-in dataset class (raw_datasets.py at 83757d9c). `build` returns exactly the five strings the
 * class's methods return, with Python's semantics: a method that returns None gives null. DS-Chat calls one method per
 * phase (data_utils.py:176 phase 1, :197-200 phase 2, :224 phase 3), so a method that raises stops only the phases that
 * call it: `build` either throws (every method it needs raises, and the row is rejected with the reason) or returns
 * the raising methods in `raises`, their strings null, and the row is kept for the phases whose methods return a string.
 */
export interface BuiltinDefinition {
  /** The --data_path name DS-Chat dispatches on, e.g. "Dahoas/rm-static". */
  dataset: string;
  className: string;
  keys: readonly string[];
  /** The columns the class's methods read, when not all of `keys`. */
  reads?: readonly string[];
  detect(sample: readonly unknown[]): FormatDetection | null;
  build(record: Record<string, unknown>): {dschat: DsChatStrings; parts: ExampleParts; raises?: MethodRaises};
}

export function dschatAdapter(definition: BuiltinDefinition): FormatAdapter {
  return defineAdapter({
    name: `dschat:${definition.dataset}`,
    title: `DS-Chat built-in ${definition.dataset} (${definition.className})`,
    keys: definition.keys,
    reads: definition.reads ?? definition.keys,
    detect: definition.detect,
    convertObject(record, context) {
      try {
        const {dschat, parts, raises} = definition.build(record);
        if (!raises || !Object.keys(raises).length) return acceptRow(context, parts, dschat);
        const phases = phasesOf(dschat);
        if (!phases.length) throw new RecordError([...new Set(Object.values(raises))].join("; "));
        return acceptRow(context, parts, dschat, phases, raises);
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

/** What reading one value gives inside a DS-Chat method: the value (a string, or None) or the exception it raises. */
export type Attempt<T> = {value: T} | {raises: string};

/** Runs one read of a record the way one DS-Chat method would; a RecordError (Python's KeyError, IndexError, TypeError) becomes `raises`. */
export function attempt<T>(read: () => T): Attempt<T> {
  try {
    return {value: read()};
  } catch (error) {
    if (error instanceof RecordError) return {raises: error.message};
    throw error;
  }
}

/**
 * One method that concatenates values read left to right, guarding each with `is not None` where the class does: the
 * first read that raises makes the method raise, the first None makes it return None (Python's `and` short-circuits, so
 * later reads never happen). Classes without a guard read their values with a reader that raises on None.
 */
function firstFailure(reads: ReadonlyArray<Attempt<string | null>>): {raises: string} | null | undefined {
  for (const read of reads) {
    if ("raises" in read) return read;
    if (read.value === null) return null;
  }
  return undefined;
}

/**
 * humanAssistantStrings for classes whose reads may raise: each method is evaluated on its own, as DS-Chat calls it.
 * `rejected` is omitted for classes whose rejected methods return None without reading anything (HC3, mkqa).
 * get_chosen and get_rejected, which no phase calls, give null where they would raise and are not listed in `raises`.
 */
export function humanAssistantMethods(
  question: Attempt<string | null>,
  chosen: Attempt<string | null>,
  rejected?: Attempt<string | null>
): {dschat: DsChatStrings; parts: ExampleParts; raises: MethodRaises} {
  const valueOf = (read: Attempt<string | null> | undefined) => (read && "value" in read ? read.value : null);
  const raises: MethodRaises = {};
  const promptFailure = firstFailure([question]);
  if (promptFailure) raises.prompt = promptFailure.raises;
  const chosenFailure = firstFailure([question, chosen]);
  if (chosenFailure) raises.promptAndChosen = chosenFailure.raises;
  const rejectedFailure = rejected ? firstFailure([question, rejected]) : null;
  if (rejectedFailure) raises.promptAndRejected = rejectedFailure.raises;
  const [q, c, r] = [valueOf(question), valueOf(chosen), valueOf(rejected)];
  return {dschat: humanAssistantStrings(q, c, r), parts: questionAnswerParts(q, c, r), raises};
}

export function questionAnswerParts(question: string | null, answer: string | null, rejected: string | null = null): ExampleParts {
  return {conversation: question === null ? [] : userTurn(question), chosen: answer, rejected};
}
