/**
 * Dataset facts for lint from rows alone (no tokenizer), and the marker check DS-Chat's convention implies.
 * Isomorphic: no Node or DOM imports.
 */
import type {Phase} from "../canonical.js";
import {type IdentifiedRow, isUsable, partitionDuplicates, type SplitName} from "../stats/computeStats.js";
import type {ManifestFacts, PartitionFacts} from "./lintContext.js";

/**
 * DS-Chat's documented prompt shape is `" Human: " + question + " Assistant:"`; local/jsonfile adds nothing, so a prompt
 * must carry both markers itself and end with "Assistant:" for the answer to follow it.
 */
export function hasDsChatMarkers(prompt: string): boolean {
  return /(?:^|\s)Human:/.test(prompt) && /Assistant:\s*$/.test(prompt);
}

export function promptMarkerFacts(rows: readonly IdentifiedRow[]): {count: number; total: number; examples: string[]} {
  let count = 0;
  let total = 0;
  const examples: string[] = [];
  for (const {id, row} of rows) {
    if (row.prompt === null) continue;
    total++;
    if (hasDsChatMarkers(row.prompt)) continue;
    count++;
    if (examples.length < 10) examples.push(id);
  }
  return {count, total, examples};
}

/** Partition facts lint can have without a tokenizer: row counts and duplicates. */
export function untokenizedPartitionFacts(partition: {phase: Phase; split: SplitName; rows: IdentifiedRow[]}): PartitionFacts {
  const usable = partition.rows.filter(({row}) => isUsable(row, partition.phase)).length;
  return {phase: partition.phase, split: partition.split, rows: partition.rows.length, usable, duplicates: partitionDuplicates(partition)};
}

/** Reads the fields lint uses from an untrusted manifest.json value; anything missing or malformed is left out. */
export function manifestFacts(manifest: unknown): ManifestFacts | null {
  if (!isRecord(manifest)) return null;
  const counts = isRecord(manifest.counts) ? manifest.counts : {};
  const count = (value: unknown) => (typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined);
  const local = isRecord(manifest.local_jsonfile) ? manifest.local_jsonfile : {};
  const deviations = Array.isArray(local.deviations)
    ? local.deviations.filter(isRecord).flatMap((d) => (count(d.rows) !== undefined && typeof d.summary === "string" ? [{rows: count(d.rows)!, summary: d.summary}] : []))
    : undefined;
  return {trainRows: count(counts.train), evalRows: count(counts.eval), rejectedRows: count(counts.rejected), deviations};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
