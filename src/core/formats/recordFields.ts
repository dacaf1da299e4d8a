/**
 * Reading fields of untrusted records. Every failure throws RecordError, whose message is the reject reason,
 * so it names the key, what was found, and what was expected.
 */

export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RecordError";
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** "a string", "a number", "null", "an array", "an object", … for messages. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "missing";
  if (Array.isArray(value)) return value.length ? "an array" : "an empty array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return value.length ? "a string" : "an empty string";
  return `a ${typeof value}`;
}

function keyList(record: Record<string, unknown>): string {
  const keys = Object.keys(record);
  return keys.length ? keys.slice(0, 12).join(", ") + (keys.length > 12 ? ", …" : "") : "none";
}

export function missingKey(record: Record<string, unknown>, key: string): RecordError {
  return new RecordError(`missing key "${key}" (keys found: ${keyList(record)})`);
}

/** The value under key, which may be null; throws only when the key is absent (Python's KeyError). */
export function requireKey(record: Record<string, unknown>, key: string): unknown {
  if (!(key in record)) throw missingKey(record, key);
  return record[key];
}

export function requireString(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  if (value === undefined) throw missingKey(record, key);
  if (typeof value !== "string") throw new RecordError(`"${key}" is ${typeName(value)}, expected a string`);
  return value;
}

/** A string, or null when the key is absent or null. */
export function optionalString(record: Record<string, unknown>, key: string): string | null {
  const value = record[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw new RecordError(`"${key}" is ${typeName(value)}, expected a string or null`);
  return value;
}

export function requireArray(record: Record<string, unknown>, key: string): unknown[] {
  const value = record[key];
  if (value === undefined) throw missingKey(record, key);
  if (!Array.isArray(value)) throw new RecordError(`"${key}" is ${typeName(value)}, expected an array`);
  return value;
}

export function requireObject(record: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = record[key];
  if (value === undefined) throw missingKey(record, key);
  if (!isRecord(value)) throw new RecordError(`"${key}" is ${typeName(value)}, expected an object`);
  return value;
}

/** Whitespace-only answers carry nothing to learn; SFT formats treat them as "no answer". */
export function isBlank(text: string | null): boolean {
  return text === null || text.trim() === "";
}
