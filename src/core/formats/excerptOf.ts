import {boundedJson} from "../contract/boundedJson.js";

/** Longest excerpt of a raw record kept in a rejects file; long enough to recognise the row, short enough to scan. */
export const EXCERPT_MAX_CHARS = 200;

/** The record as compact JSON, cut to at most EXCERPT_MAX_CHARS characters (code points, so no broken surrogates), at any depth. */
export function excerptOf(record: unknown): string {
  return record === undefined ? "undefined" : boundedJson(record, EXCERPT_MAX_CHARS);
}
