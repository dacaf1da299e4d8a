import type {FormatDetection} from "./formatAdapter.js";
import {isRecord} from "./recordFields.js";

/**
 * The one scoring rule every adapter uses: confidence = specificity × (share of sampled records that match).
 * Specificity says how distinctive a shape is (a webgpt record cannot be anything else; `{input, output}` could be
 * many things), so a distinctive shape outranks a generic one that also matches. null when nothing matches.
 */
export function scoreSample(
  sample: readonly unknown[],
  specificity: number,
  matches: (record: Record<string, unknown>) => boolean,
  describe: string
): FormatDetection | null {
  if (!sample.length) return null;
  let matched = 0;
  for (const record of sample) if (isRecord(record) && matches(record)) matched++;
  if (!matched) return null;
  const share = matched / sample.length;
  const confidence = Math.round(specificity * share * 1000) / 1000;
  const coverage = matched === sample.length ? `all ${matched} sampled records` : `${matched} of ${sample.length} sampled records`;
  return {confidence, explanation: `${describe} (${coverage})`};
}

export function isString(value: unknown): value is string {
  return typeof value === "string";
}

export function isStringOrNull(value: unknown): boolean {
  return value === null || typeof value === "string";
}

/** Does any sampled record's text (given by pick) satisfy test? Used for language and marker hints. */
export function someText(sample: readonly unknown[], pick: (record: Record<string, unknown>) => unknown, test: (text: string) => boolean): boolean {
  return sample.some((record) => {
    if (!isRecord(record)) return false;
    const text = pick(record);
    return typeof text === "string" && test(text);
  });
}

/** Hiragana or katakana: tells Japanese from Chinese text (both use CJK ideographs). */
export function hasKana(text: string): boolean {
  return /[\u3040-\u30ff]/.test(text);
}

/** Human:/Assistant: markers as DS-Chat's own data and its local/jsonfile README example use them. */
export function hasSpeakerMarkers(text: string): boolean {
  return /(^|\s)Human:/.test(text) && /(^|\s)Assistant:/.test(text);
}
