/**
 * Dataset facts for lint from rows alone (no tokenizer), and the marker check DS-Chat's convention implies.
 * Isomorphic: no Node or DOM imports.
 */
import type {Phase} from "../canonical.js";
import type {Manifest} from "../contract/manifest.js";
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

/** The fields lint uses from a converted directory's manifest (already checked by `parseManifest`). */
export function manifestFacts(manifest: Manifest | null): ManifestFacts | null {
  if (!manifest) return null;
  const {counts, local_jsonfile: local} = manifest;
  return {trainRows: counts.train, evalRows: counts.eval, rejectedRows: counts.rejected, deviations: local.deviations.map(({rows, summary}) => ({rows, summary}))};
}
