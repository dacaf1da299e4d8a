/**
 * What the columns of a user's file hold, before any format reads them: per top-level key of the records, the JSON
 * types found, how often it is missing or null, how many distinct values it has, and the lengths of its strings.
 * Isomorphic: no Node or DOM imports.
 */
import {exactTextHash} from "../stats/textFacts.js";

export const JSON_TYPES = ["string", "number", "boolean", "object", "array", "null"] as const;
export type JsonType = (typeof JSON_TYPES)[number];

export interface ColumnStats {
  name: string;
  /** Records holding a value of each JSON type under this key. */
  types: Record<JsonType, number>;
  /** Records without the key at all. */
  missing: number;
  /** Distinct values (strings by text, other values by their JSON), counted by a 53-bit hash. */
  distinct: number;
  /** Lengths of the string values (UTF-16 code units): range and an equal-width histogram; null without strings. */
  lengths: {min: number; max: number; mean: number; bins: Array<{x0: number; x1: number; count: number}>} | null;
}

const BINS = 24;

function jsonType(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value === "object" ? "object" : (typeof value as JsonType);
}

interface Column {
  name: string;
  types: Record<JsonType, number>;
  seen: number;
  hashes: Set<number>;
  lengths: number[];
}

/** Feeds records one at a time; `result()` may be called at any point. */
export class ColumnStatsCollector {
  private readonly columns = new Map<string, Column>();
  private records = 0;
  /** Records that are not JSON objects (they have no columns). */
  notObjects = 0;

  add(record: unknown): void {
    this.records++;
    if (record === null || typeof record !== "object" || Array.isArray(record)) {
      this.notObjects++;
      return;
    }
    for (const [name, value] of Object.entries(record)) {
      let column = this.columns.get(name);
      if (!column) this.columns.set(name, (column = {name, types: Object.fromEntries(JSON_TYPES.map((t) => [t, 0])) as Record<JsonType, number>, seen: 0, hashes: new Set(), lengths: []}));
      column.seen++;
      const type = jsonType(value);
      column.types[type]++;
      column.hashes.add(exactTextHash(type === "string" ? (value as string) : `\u0000${JSON.stringify(value)}`));
      if (type === "string") column.lengths.push((value as string).length);
    }
  }

  result(): ColumnStats[] {
    return [...this.columns.values()].map((column) => ({
      name: column.name,
      types: {...column.types},
      missing: this.records - this.notObjects - column.seen,
      distinct: column.hashes.size,
      lengths: lengthSummary(column.lengths)
    }));
  }
}

function lengthSummary(lengths: number[]): ColumnStats["lengths"] {
  if (!lengths.length) return null;
  let min = Infinity, max = 0, sum = 0;
  for (const length of lengths) {
    if (length < min) min = length;
    if (length > max) max = length;
    sum += length;
  }
  const width = Math.max(1, Math.ceil((max - min + 1) / BINS));
  const bins = Array.from({length: Math.ceil((max - min + 1) / width)}, (_, i) => ({x0: min + i * width, x1: min + (i + 1) * width, count: 0}));
  for (const length of lengths) bins[Math.floor((length - min) / width)].count++;
  return {min, max, mean: sum / lengths.length, bins};
}
