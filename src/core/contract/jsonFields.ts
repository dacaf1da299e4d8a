/**
 * Readers for untrusted JSON documents (plan.json, manifest.json, a catalogue, stats output): each checks one field and
 * throws a UserError naming it (`plan.infrastructure.instance_count`) and quoting the bad value, so every JSON input
 * fails the same way. Isomorphic: no Node or DOM imports.
 */
import {didYouMean} from "./suggest.js";
import {UserError} from "./userError.js";

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value for a message: JSON, cut to 80 characters. */
export function quote(value: unknown): string {
  const text = value === undefined ? "undefined" : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** How to fix a field of this document, appended to every error about it. */
export type FieldFix = string;

function bad(field: string, expected: string, value: unknown, fix: FieldFix): UserError {
  return new UserError(`must be ${expected}, got ${quote(value)}`, {where: {field}, fix});
}

export function readObject(value: unknown, field: string, fix: FieldFix): Record<string, unknown> {
  if (!isRecord(value)) throw bad(field, "an object", value, fix);
  return value;
}

export function readArray(value: unknown, field: string, fix: FieldFix): unknown[] {
  if (!Array.isArray(value)) throw bad(field, "a list", value, fix);
  return value;
}

export function readString(value: unknown, field: string, fix: FieldFix, {allowEmpty = false} = {}): string {
  if (typeof value !== "string" || (!allowEmpty && value === "")) throw bad(field, allowEmpty ? "a string" : "a non-empty string", value, fix);
  return value;
}

export function readChoice<T extends string>(value: unknown, field: string, fix: FieldFix, choices: readonly T[]): T {
  if (typeof value !== "string" || !choices.includes(value as T)) throw bad(field, `one of ${choices.join(", ")}`, value, fix);
  return value as T;
}

export function readBoolean(value: unknown, field: string, fix: FieldFix): boolean {
  if (typeof value !== "boolean") throw bad(field, "true or false", value, fix);
  return value;
}

/**
 * A finite number, optionally whole and at least / above / at most a bound. A whole number must also be exact in
 * JavaScript (at most 2^53 − 1): a larger one read from JSON has already lost digits (99999999999999999999 → 1e20).
 */
export function readNumber(value: unknown, field: string, fix: FieldFix, {integer = false, min, above, max}: {integer?: boolean; min?: number; above?: number; max?: number} = {}): number {
  const kind = integer ? "a whole number" : "a number";
  if (typeof value !== "number" || !Number.isFinite(value) || (integer && !Number.isInteger(value))) throw bad(field, kind, value, fix);
  if (integer && !Number.isSafeInteger(value)) throw bad(field, `${kind} of at most ${max ?? Number.MAX_SAFE_INTEGER}`, value, fix);
  if (min !== undefined && value < min) throw bad(field, `${kind} ≥ ${min}`, value, fix);
  if (above !== undefined && !(value > above)) throw bad(field, `${kind} > ${above}`, value, fix);
  if (max !== undefined && value > max) throw bad(field, `${kind} ≤ ${max}`, value, fix);
  return value;
}

/** Refuses keys the document does not define, naming the closest known one: a typo must not silently drop a setting. */
export function checkKeys(object: Record<string, unknown>, known: readonly string[], field: string, fix: FieldFix): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    throw new UserError(`${key} is not a field of ${field}; known: ${known.join(", ")}`, {where: {field: `${field}.${key}`}, fix: `${didYouMean(key, known)}${fix}`});
  }
}

/** `schema_version` of a versioned document: absent or another number means a file this version cannot read. */
export function checkSchemaVersion(json: Record<string, unknown>, expected: number, what: string, fix: FieldFix): void {
  if (json.schema_version === expected) return;
  const found = json.schema_version === undefined ? "has no schema_version (written by an older dschat-studio or by hand)" : `has schema_version ${quote(json.schema_version)}`;
  throw new UserError(`${found}; this dschat-studio reads ${what} version ${expected}`, {where: {field: "schema_version"}, fix});
}
