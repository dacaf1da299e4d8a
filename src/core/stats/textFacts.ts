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
    for (const char of text.replace(markers, "")) {
      const code = char.charCodeAt(0);
      // ASCII is by far the common case; skip the Unicode regexes for it.
      if (code < 0x80) {
        if ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a) counts[0]++;
        continue;
      }
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
 * Two 53-bit hashes of one text in one pass: of the exact text, and of the text as `normalizeWhitespace` leaves it.
 * Each is two independent 32-bit multiplicative lanes folded to 53 bits; a collision among n distinct texts has
 * probability about n² / 2^54 (5·10⁻⁷ for 100,000 rows).
 */
export function textHashes(text: string): {exact: number; normalized: number} {
  let a = 0x811c9dc5, b = 0x3c6ef372, c = 0x811c9dc5, d = 0x3c6ef372;
  let pendingSpace = false;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995);
    b ^= b >>> 15;
    if (isSpace(code)) {
      pendingSpace = started;
      continue;
    }
    if (pendingSpace) {
      c = Math.imul(c ^ 32, 0x01000193);
      d = Math.imul(d ^ 32, 0x5bd1e995);
      d ^= d >>> 15;
    }
    c = Math.imul(c ^ code, 0x01000193);
    d = Math.imul(d ^ code, 0x5bd1e995);
    d ^= d >>> 15;
    pendingSpace = false;
    started = true;
  }
  const fold = (high: number, low: number) => (high >>> 0) * 0x200000 + (low >>> 11);
  return {exact: fold(a, b), normalized: fold(c, d)};
}

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

/** Duplicates among `rows` by the fields `phase` reads (all three without a phase). */
export function countDuplicates(rows: Iterable<{id: string; row: LocalJsonRow}>, phase?: Phase): DuplicateCounts {
  const exactSeen = new Map<number, string>();
  const normalizedSeen = new Map<number, string>();
  const result: DuplicateCounts = {exact: 0, normalized: 0, examples: []};
  for (const {id, row} of rows) {
    const {exact, normalized} = rowKeys(row, phase);
    const first = exactSeen.get(exact);
    if (first === undefined) exactSeen.set(exact, id);
    else result.exact++;
    const firstNormalized = normalizedSeen.get(normalized);
    if (firstNormalized === undefined) normalizedSeen.set(normalized, id);
    else {
      result.normalized++;
      if (result.examples.length < 5) result.examples.push([id, firstNormalized]);
    }
  }
  return result;
}

/** Rows of `inner` whose exact key also occurs in `outer` (eval rows that are also train rows: leakage). */
export function countOverlap(outer: Iterable<LocalJsonRow>, inner: Iterable<{id: string; row: LocalJsonRow}>): {count: number; examples: string[]} {
  const keys = new Set<number>();
  for (const row of outer) keys.add(rowKeys(row).exact);
  let count = 0;
  const examples: string[] = [];
  for (const {id, row} of inner) {
    if (!keys.has(rowKeys(row).exact)) continue;
    count++;
    if (examples.length < 5) examples.push(id);
  }
  return {count, examples};
}

export function isEmptyString(text: string | null): boolean {
  return text !== null && text.trim() === "";
}
