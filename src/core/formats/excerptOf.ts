/** Longest excerpt of a raw record kept in a rejects file; long enough to recognise the row, short enough to scan. */
export const EXCERPT_MAX_CHARS = 200;

/** The record as compact JSON, cut to at most EXCERPT_MAX_CHARS characters (code points, so no broken surrogates). */
export function excerptOf(record: unknown): string {
  let text: string;
  try {
    text = record === undefined ? "undefined" : JSON.stringify(record) ?? String(record);
  } catch {
    text = String(record);
  }
  const chars = Array.from(text);
  return chars.length <= EXCERPT_MAX_CHARS ? text : chars.slice(0, EXCERPT_MAX_CHARS - 1).join("") + "…";
}
