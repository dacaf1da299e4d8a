import {UserError} from "../contract/userError.js";
import {columnsRead, type FormatAdapter} from "./formatAdapter.js";
import {formats} from "./formats.js";
import {isRecord, typeName} from "./recordFields.js";

export interface Detection {
  format: string;
  confidence: number;
  explanation: string;
  alternatives: Array<{format: string; confidence: number; explanation: string}>;
}

/** Below this, a "match" is a coincidence of one generic key; asking the user beats guessing. */
export const MIN_CONFIDENCE = 0.3;

/** The UserError code of "no format fits these records"; its details hold `columns` and `closest`. */
export const UNKNOWN_FORMAT = "unknown-format";

function unknownFormat(columns: string[], closest: Array<{format: string; missing: string[]}>, what: string): UserError {
  const near = closest.map(({format, missing}) => (missing.length ? `${format} (lacks ${missing.join(", ")})` : `${format} (has its keys, but the values have other types)`));
  return new UserError(
    [
      `no known format fits ${what}.`,
      `Columns found: ${columns.length ? columns.slice(0, 20).join(", ") + (columns.length > 20 ? ` and ${columns.length - 20} more` : "") : "none"}.`,
      near.length ? `Closest formats: ${near.join("; ")}.` : ""
    ]
      .filter(Boolean)
      .join(" "),
    {fix: "Name the format with --format NAME, or map the columns with --map prompt=COLUMN,chosen=COLUMN[,rejected=COLUMN].", code: UNKNOWN_FORMAT, details: {columns, closest}}
  );
}

function columnsOf(sample: readonly unknown[]): string[] {
  const counts = new Map<string, number>();
  for (const record of sample) if (isRecord(record)) for (const key of Object.keys(record)) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([key]) => key);
}

function closestFormats(columns: string[], registry: Record<string, FormatAdapter>): Array<{format: string; missing: string[]}> {
  const present = new Set(columns);
  return Object.values(registry)
    .filter((adapter) => adapter.keys?.some((key) => present.has(key)))
    .map((adapter) => ({format: adapter.name, missing: adapter.keys!.filter((key) => !present.has(key)), matched: adapter.keys!.filter((key) => present.has(key)).length}))
    .sort((a, b) => a.missing.length - b.missing.length || b.matched - a.matched)
    .slice(0, 3)
    .map(({format, missing}) => ({format, missing}));
}

function describeSample(sample: readonly unknown[]): string {
  if (!sample.length) return "an empty sample (no records were read)";
  const objects = sample.filter(isRecord).length;
  if (!objects) return `these records: they are not JSON objects (the first is ${typeName(sample[0])})`;
  return `these ${sample.length} sampled records`;
}

/** Columns with a value (not null) in more than half of the sampled records: what a format must not trade away. */
export function majorityColumns(sample: readonly unknown[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const record of sample) if (isRecord(record)) for (const [key, value] of Object.entries(record)) if (value !== null && value !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
  return new Map([...counts].filter(([, count]) => count * 2 > sample.length));
}

function keptColumns(adapter: FormatAdapter, sample: readonly unknown[], majority: ReadonlyMap<string, number>): Set<string> {
  const kept = new Set<string>();
  for (const record of sample) if (isRecord(record)) for (const column of columnsRead(adapter, record)) if (majority.has(column)) kept.add(column);
  return kept;
}

const isStrictSuperset = (wider: ReadonlySet<string>, narrower: ReadonlySet<string>) => wider.size > narrower.size && [...narrower].every((column) => wider.has(column));

/**
 * Scores every format on the sample; the best one wins, ties go to the earlier registry entry. A format never wins by
 * trading away a column most records have: when another fitting format reads every majority column the leader reads
 * and more (alpaca rows whose instruction is sometimes a number still have an instruction, which question-answer's
 * input/output reading would drop from every row), that format is chosen, and rows whose values have the wrong type
 * become rejects that say so.
 */
export function detectFormat(sample: readonly unknown[], registry: Record<string, FormatAdapter> = formats): Detection {
  const scored = Object.values(registry)
    .map((adapter) => ({format: adapter.name, ...(adapter.detect(sample) ?? {confidence: 0, explanation: ""})}))
    .filter((entry) => entry.confidence > 0)
    .sort((a, b) => b.confidence - a.confidence);
  const [top] = scored;
  if (!top || top.confidence < MIN_CONFIDENCE) {
    const columns = columnsOf(sample);
    throw unknownFormat(columns, closestFormats(columns, registry), describeSample(sample));
  }
  const majority = majorityColumns(sample);
  const kept = new Map(scored.map((entry) => [entry, keptColumns(registry[entry.format], sample, majority)]));
  let best = top;
  for (let wider = scored.find((entry) => isStrictSuperset(kept.get(entry)!, kept.get(best)!)); wider; wider = scored.find((entry) => isStrictSuperset(kept.get(entry)!, kept.get(best)!))) best = wider;
  const alternatives = scored.filter((entry) => entry !== best);
  let explanation = best.explanation;
  if (best !== top) {
    const dropped = [...kept.get(best)!].filter((column) => !kept.get(top)!.has(column));
    explanation += `; chosen over ${top.format} (confidence ${top.confidence}), which would not read ${dropped.map((column) => `${column} (in ${majority.get(column)} of ${sample.length} sampled records)`).join(", ")}`;
  }
  return {format: best.format, confidence: best.confidence, explanation, alternatives};
}
