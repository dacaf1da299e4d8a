/**
 * Library versions ("0.10.2", "4.56.2", "2.8.0+cu129") and the half-open ranges facts about them hold for: the arithmetic
 * the target versions of a plan (plan/targetVersions.ts) and the version-dependent facts of the model families and lint
 * rules share. Isomorphic: no Node or DOM imports.
 */

const VERSION = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[.+-][0-9A-Za-z.+-]*)?$/;

/** `0.10.2`, `4.56.2`, `2.8.0+cu129`, `0.9` → [major, minor, patch]; null when the text is not a version. */
export function parseVersion(text: string): [number, number, number] | null {
  const match = VERSION.exec(text.trim());
  if (!match) return null;
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

function requireVersion(text: string): [number, number, number] {
  const parsed = parseVersion(text);
  if (!parsed) throw new RangeError(`not a version: ${JSON.stringify(text)}`);
  return parsed;
}

/** Negative, zero or positive as a is older than, equal to or newer than b (major.minor.patch; local labels ignored). */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [requireVersion(a), requireVersion(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/** A half-open range of versions a fact holds for: from `from` (inclusive) up to `before` (exclusive); either open. */
export interface VersionRange {
  from?: string;
  before?: string;
}

export function inRange(version: string, {from, before}: VersionRange): boolean {
  return (from === undefined || compareVersions(version, from) >= 0) && (before === undefined || compareVersions(version, before) < 0);
}

/** "0.9.3 – 0.9.x" style text for a range, as messages print it. */
export function rangeText({from, before}: VersionRange): string {
  if (from && before) return `${from} up to (not including) ${before}`;
  if (from) return `${from} or newer`;
  if (before) return `older than ${before}`;
  return "every version";
}

