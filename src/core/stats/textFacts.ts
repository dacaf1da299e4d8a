/**
 * Facts about a row's text that need no tokenizer: empty strings, the dominant script, and keys for duplicate detection.
 * Isomorphic: no Node or DOM imports.
 */
import type {LocalJsonRow, Phase} from "../canonical.js";

export const SCRIPT_CLASSES = ["latin", "cjk", "other", "none"] as const;
export type ScriptClass = (typeof SCRIPT_CLASSES)[number];

const latin = /\p{Script=Latin}/u;
const cjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const letter = /\p{L}/u;

/** DS-Chat's conversation markers: template, not content, so they do not make a Chinese row "Latin". */
const markers = /\b(?:Human|Assistant):/g;

/**
 * Index into SCRIPT_CLASSES of the script most of the row's letters belong to ("none" when it has no letters), with the
 * `Human:` / `Assistant:` markers left out.
 */
export function dominantScript(texts: readonly (string | null)[]): number {
  const counts = [0, 0, 0];
  for (const text of texts) {
    if (!text) continue;
    // Counting per character, the markers' letters can be taken off afterwards instead of cutting them out of a copy.
    for (const marker of text.matchAll(markers)) counts[0] -= marker[0].length - 1;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      // ASCII is by far the common case; skip the Unicode regexes for it.
      if (code < 0x80) {
        if ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a) counts[0]++;
        continue;
      }
      const point = text.codePointAt(i)!;
      const char = String.fromCodePoint(point);
      if (point > 0xffff) i++;
      if (latin.test(char)) counts[0]++;
      else if (cjk.test(char)) counts[1]++;
      else if (letter.test(char)) counts[2]++;
    }
  }
  const best = Math.max(...counts);
  return best === 0 ? 3 : counts.indexOf(best);
}

/** The dominant script of the text a phase reads (phase 3 sees only the prompt). */
export function phaseScript(row: LocalJsonRow, phase: Phase): number {
  if (phase === 3) return dominantScript([row.prompt]);
  if (phase === 1) return dominantScript([row.prompt, row.chosen]);
  return dominantScript([row.prompt, row.chosen, row.rejected]);
}

/** Whitespace runs collapsed to one space and the ends trimmed: rows equal after this differ only in spacing. */
export function normalizeWhitespace(text: string): string {
  return text.replace(/\s+/gu, " ").trim();
}

/** JavaScript's `\s`, by code unit. */
function isSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 0xa0) return false;
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

/**
 * Two 53-bit hashes of one text: of the exact text, and of the text as `normalizeWhitespace` leaves it. Each is two
 * independent 32-bit multiplicative lanes folded to 53 bits; a collision among n distinct texts has probability about
 * n² / 2^54 (5·10⁻⁷ for 100,000 rows).
 */
export function textHashes(text: string): {exact: number; normalized: number} {
  return {exact: exactTextHash(text), normalized: exactTextHash(normalizeWhitespace(text))};
}

export function exactTextHash(text: string): number {
  let a = 0x811c9dc5, b = 0x3c6ef372;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return fold(a, b);
}

/**
 * A 32-bit hash of `normalizeWhitespace(text)` computed without building it (one pass, one lane): texts equal after
 * normalisation hash equal; the few unequal texts that collide are told apart by comparing them (`countDuplicates`).
 */
export function normalizedTextHash(text: string): number {
  let hash = 0x3c6ef372;
  let pendingSpace = false;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isSpace(code)) {
      pendingSpace = started;
      continue;
    }
    if (pendingSpace) {
      hash = Math.imul(hash ^ 32, 0x5bd1e995);
      hash ^= hash >>> 15;
    }
    hash = Math.imul(hash ^ code, 0x5bd1e995);
    hash ^= hash >>> 15;
    pendingSpace = false;
    started = true;
  }
  return hash >>> 0;
}

const fold = (high: number, low: number) => (high >>> 0) * 0x200000 + (low >>> 11);

/** Each row's field hashes `[prompt, chosen, rejected]` exact then normalised (-1 for null), computed once per row. */
const rowHashCache = new WeakMap<LocalJsonRow, number[]>();

function fieldHashes(row: LocalJsonRow): number[] {
  let hashes = rowHashCache.get(row);
  if (!hashes) {
    const p = row.prompt === null ? null : textHashes(row.prompt);
    const c = row.chosen === null ? null : textHashes(row.chosen);
    const r = row.rejected === null ? null : textHashes(row.rejected);
    hashes = [p?.exact ?? -1, c?.exact ?? -1, r?.exact ?? -1, p?.normalized ?? -1, c?.normalized ?? -1, r?.normalized ?? -1];
    rowHashCache.set(row, hashes);
  }
  return hashes;
}

/** Mixes `count` 53-bit hashes starting at `from` into one, exactly (each split into 32-bit halves). */
function combine(hashes: number[], from: number, count: number): number {
  let a = 0x811c9dc5, b = 0x3c6ef372;
  for (let i = from; i < from + count; i++) {
    const high = Math.floor(hashes[i] / 0x200000);
    const low = hashes[i] % 0x200000;
    a = Math.imul(Math.imul(a ^ high, 0x01000193) ^ low, 0x01000193);
    b = Math.imul(b ^ high, 0x5bd1e995);
    b = Math.imul((b ^ (b >>> 15)) ^ low, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x200000 + (b >>> 11);
}

/** Keys equal when the fields the phase reads are equal (exactly, or after whitespace normalisation), nulls included. */
export function rowKeys(row: LocalJsonRow, phase?: Phase): {exact: number; normalized: number} {
  const hashes = fieldHashes(row);
  const count = phase === 1 ? 2 : phase === 3 ? 1 : 3;
  return {exact: combine(hashes, 0, count), normalized: combine(hashes, 3, count)};
}

export interface DuplicateCounts {
  /** Rows equal to an earlier row (the first copy is not counted). */
  exact: number;
  /** Rows equal to an earlier row once whitespace is normalised (includes the exact ones). */
  normalized: number;
  /** Up to 5 example pairs `[duplicate, first]` of row ids. */
  examples: [string, string][];
}

/**
 * Each row's `normalizedTextHash` of `[prompt, chosen, rejected]` (-1 for null, NOT_HASHED until a key reads the
 * field), computed once per row.
 */
const normalizedHashCache = new WeakMap<LocalJsonRow, number[]>();
const NOT_HASHED = -2;

/** Equal when the fields the phase reads are equal after `normalizeWhitespace` (and, rarely, when they merely collide). */
function normalizedRowKey(row: LocalJsonRow, phase?: Phase): number {
  let hashes = normalizedHashCache.get(row);
  if (!hashes) normalizedHashCache.set(row, (hashes = [NOT_HASHED, NOT_HASHED, NOT_HASHED]));
  let key = 0x811c9dc5;
  for (let i = 0, count = phaseFieldCount(phase); i < count; i++) {
    if (hashes[i] === NOT_HASHED) {
      const text = i === 0 ? row.prompt : i === 1 ? row.chosen : row.rejected;
      hashes[i] = text === null ? -1 : normalizedTextHash(text);
    }
    key = Math.imul(key ^ hashes[i], 0x5bd1e995);
    key ^= key >>> 13;
  }
  return key >>> 0;
}

/** Fields a phase reads, in [prompt, chosen, rejected] order: phase 1 two, phase 3 one, phase 2 (or none given) three. */
function phaseFieldCount(phase?: Phase): number {
  return phase === 1 ? 2 : phase === 3 ? 1 : 3;
}

function phaseFields(row: LocalJsonRow, phase?: Phase): (string | null)[] {
  return [row.prompt, row.chosen, row.rejected].slice(0, phaseFieldCount(phase));
}

/** The fields the phase reads (all three without a phase) are identical, nulls included. */
function sameFields(a: LocalJsonRow, b: LocalJsonRow, phase?: Phase): boolean {
  return a.prompt === b.prompt && (phase === 3 || a.chosen === b.chosen) && (phase === 1 || phase === 3 || a.rejected === b.rejected);
}

/** Rows equal after whitespace normalisation: the first one's id, its normalised fields, and its exact variants. */
interface SpacingVariants {
  first: string;
  normalized: string;
  distinct: LocalJsonRow[];
  /** Past 16 variants (rows differing only in spacing), a set of their texts instead of a list to compare against. */
  texts: Set<string> | null;
}

/**
 * Duplicates among `rows` by the fields `phase` reads (all three without a phase). Rows are grouped by a hash of their
 * whitespace-normalised fields; within a group, normalised and exact equality are decided by comparing the texts, so
 * the counts are exact (no hash collision can make two different rows duplicates).
 */
export function countDuplicates(rows: Iterable<{id: string; row: LocalJsonRow}>, phase?: Phase): DuplicateCounts {
  const groups = new Map<number, SpacingVariants[] | {id: string; row: LocalJsonRow}>();
  const result: DuplicateCounts = {exact: 0, normalized: 0, examples: []};
  const textsOf = (row: LocalJsonRow) => JSON.stringify(phaseFields(row, phase));
  const normalizedOf = (row: LocalJsonRow) => JSON.stringify(phaseFields(row, phase).map((text) => (text === null ? null : normalizeWhitespace(text))));
  const variantsOf = (id: string, row: LocalJsonRow): SpacingVariants => ({first: id, normalized: normalizedOf(row), distinct: [row], texts: null});
  for (const {id, row} of rows) {
    const key = normalizedRowKey(row, phase);
    const seen = groups.get(key);
    if (!seen) {
      groups.set(key, {id, row}); // most rows are alone in their group: normalise nothing until a second one comes
      continue;
    }
    const group = Array.isArray(seen) ? seen : [variantsOf(seen.id, seen.row)];
    if (!Array.isArray(seen)) groups.set(key, group);
    const normalized = normalizedOf(row);
    const variants = group.find((candidate) => candidate.normalized === normalized);
    if (!variants) {
      group.push(variantsOf(id, row)); // a hash collision, not a duplicate
      continue;
    }
    result.normalized++;
    if (result.examples.length < 5) result.examples.push([id, variants.first]);
    if (variants.texts) {
      const texts = textsOf(row);
      if (variants.texts.has(texts)) result.exact++;
      else variants.texts.add(texts);
    } else if (variants.distinct.some((other) => sameFields(other, row, phase))) result.exact++;
    else if (variants.distinct.push(row) > 16) variants.texts = new Set(variants.distinct.map(textsOf));
  }
  return result;
}

/**
 * Rows of `inner` identical to a row of `outer` in all three fields (eval rows that are also train rows: leakage).
 * The table holds the inner rows (eval.json, usually the small file) by all three fields (a prompt alone could be
 * shared by thousands of rows), and the outer rows stream past it. Identical inner rows share one entry, which leaves
 * the table once matched, so no row is compared twice.
 */
export function countOverlap(outer: Iterable<LocalJsonRow>, inner: Iterable<{id: string; row: LocalJsonRow}>): {count: number; examples: string[]} {
  const innerRows = [...inner];
  const pending = new Map<number, {row: LocalJsonRow; indices: number[]}[]>();
  innerRows.forEach(({row}, index) => {
    const key = normalizedRowKey(row);
    const group = pending.get(key);
    const same = group?.find((entry) => sameFields(entry.row, row));
    if (same) same.indices.push(index);
    else if (group) group.push({row, indices: [index]});
    else pending.set(key, [{row, indices: [index]}]);
  });
  const found = new Uint8Array(innerRows.length);
  for (const row of outer) {
    if (pending.size === 0) break;
    const key = normalizedRowKey(row);
    const group = pending.get(key);
    const at = group ? group.findIndex((entry) => sameFields(entry.row, row)) : -1;
    if (at === -1) continue;
    for (const index of group![at].indices) found[index] = 1;
    group!.splice(at, 1);
    if (group!.length === 0) pending.delete(key);
  }
  let count = 0;
  const examples: string[] = [];
  innerRows.forEach(({id}, index) => {
    if (!found[index]) return;
    count++;
    if (examples.length < 5) examples.push(id);
  });
  return {count, examples};
}

export function isEmptyString(text: string | null): boolean {
  return text !== null && text.trim() === "";
}
