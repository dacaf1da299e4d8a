import type {CanonicalRow, DsChatStrings, MethodRaises, Phase, RejectedRow, Turn} from "../canonical.js";
import {phasesOf} from "../canonical.js";
import {excerptOf} from "./excerptOf.js";
import type {ReasoningOption} from "./reasoning.js";
import {renderDsChat} from "./renderDsChat.js";
import {RecordError, isRecord, typeName} from "./recordFields.js";

/** Where a record came from (adapters copy it into the row they return), and the options that shape its text. */
export interface RowContext {
  source: string;
  row: number;
  split: string | null;
  /** What to do with reasoning parts and `reasoning_content` (default DEFAULT_REASONING: inline, LLaMA-Factory's markers). */
  reasoning?: ReasoningOption;
  /** Filled in while the record converts, for the manifest: set `reasoningParts` to 0 before, read it after. */
  notes?: RowNotes;
}

export interface RowNotes {
  /** Reasoning parts (and `reasoning_content` fields) the record's messages had. */
  reasoningParts: number;
}

export type ColumnsRead = readonly string[] | ((record: Record<string, unknown>) => readonly string[]);

/** The columns of `record` that `adapter` reads. */
export function columnsRead(adapter: Pick<FormatAdapter, "reads">, record: Record<string, unknown>): readonly string[] {
  return typeof adapter.reads === "function" ? adapter.reads(record) : adapter.reads;
}

export type ConvertResult = {ok: CanonicalRow} | {reject: RejectedRow};

export interface FormatDetection {
  confidence: number;
  explanation: string;
}

export interface FormatAdapter {
  /** Stable id used by --format, e.g. "alpaca", "sharegpt", "hh-rlhf", "dschat:Dahoas/rm-static". */
  name: string;
  /** Human name. */
  title: string;
  /** The top-level keys a record of this format has; only used to tell users what a near-miss lacks. */
  keys?: readonly string[];
  /**
   * The top-level columns whose values can reach the output (a list, or a function of the record for formats that
   * choose their columns per record). Every other column is reported as unused, and detection prefers a format that
   * reads more of the columns most records have.
   */
  reads: ColumnsRead;
  /** Score a sample of parsed records (plain JSON values). null = this format does not fit at all. */
  detect(sample: readonly unknown[]): FormatDetection | null;
  /** Never throws: a record that cannot be mapped becomes `{reject}` with a reason the user can act on. */
  convert(record: unknown, context: RowContext): ConvertResult;
}

/** What an adapter extracts from one record before DS-Chat strings are attached. */
export interface ExampleParts {
  conversation: Turn[];
  chosen: string | null;
  rejected: string | null;
}

export function acceptRow(context: RowContext, parts: ExampleParts, dschat: DsChatStrings, phases: Phase[] = phasesOf(dschat), raises?: MethodRaises): ConvertResult {
  const ok: CanonicalRow = {
    id: `${context.source}:${context.row}`,
    source: context.source,
    row: context.row,
    split: context.split,
    conversation: parts.conversation,
    chosen: parts.chosen,
    rejected: parts.rejected,
    dschat,
    phases
  };
  if (raises) ok.raises = raises;
  return {ok};
}

/** A row of a non-built-in format: DS-Chat strings come from the documented convention (renderDsChat). */
export function acceptConvention(context: RowContext, parts: ExampleParts, phases?: Phase[]): ConvertResult {
  return acceptRow(context, parts, renderDsChat(parts.conversation, parts.chosen, parts.rejected), phases);
}

export function rejectRecord(record: unknown, context: RowContext, reason: string): ConvertResult {
  return {reject: {source: context.source, row: context.row, reason, excerpt: excerptOf(record)}};
}

interface AdapterDefinition extends Omit<FormatAdapter, "convert"> {
  /** Called only with JSON objects; may throw RecordError, which becomes the reject reason. */
  convertObject(record: Record<string, unknown>, context: RowContext): ConvertResult;
}

/**
 * Wraps an adapter so that `convert` (and `detect`) keep their promise never to throw: non-object records and RecordErrors become
 * rejects, and an unexpected exception becomes a reject that says it is a bug rather than crashing a long conversion.
 */
export function defineAdapter(definition: AdapterDefinition): FormatAdapter {
  const {convertObject, detect, ...rest} = definition;
  return {
    ...rest,
    detect(sample) {
      try {
        return detect(sample);
      } catch {
        // A detector tripping over an odd record must not stop detection of the other formats.
        return null;
      }
    },
    convert(record, context) {
      if (!isRecord(record)) {
        return rejectRecord(record, context, `the record is ${typeName(record)}, not a JSON object; ${definition.title} rows are objects${definition.keys ? ` with keys ${definition.keys.join(", ")}` : ""}`);
      }
      try {
        const result = convertObject(record, context);
        if ("ok" in result && !result.ok.phases.length) {
          return rejectRecord(record, context, "no DS-Chat phase can use this row: its prompt is missing and it has no prompt-and-answer pair");
        }
        return result;
      } catch (error) {
        if (error instanceof RecordError) return rejectRecord(record, context, error.message);
        return rejectRecord(record, context, `unexpected error in the ${definition.name} adapter (a bug, please report it): ${(error as Error)?.message ?? String(error)}`);
      }
    }
  };
}
