/**
 * Lone UTF-16 surrogates: JSON's `"\ud800"` escapes make JavaScript (and Python) strings that are not Unicode text.
 * DuckDB refuses them and a tokenizer cannot encode them to UTF-8, so a row holding one cannot be converted; the
 * engine rejects it (a counted reject naming the field) instead of failing the whole run. Isomorphic.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

type WellFormedCheck = (text: string) => boolean;
/** `String.prototype.isWellFormed` (ES2024, native and fast) where the runtime has it. */
const native = (String.prototype as unknown as {isWellFormed?: () => boolean}).isWellFormed;
const isWellFormed: WellFormedCheck = native ? (text) => native.call(text) : (text) => !LONE_SURROGATE.test(text);

/** The index of the first lone surrogate in `text`, or -1 when it is well-formed Unicode. */
export function loneSurrogateAt(text: string): number {
  if (isWellFormed(text)) return -1;
  return LONE_SURROGATE.exec(text)!.index;
}

/** `"\ud800" at character 12`: how a reject names it. */
export function describeLoneSurrogate(text: string, at: number): string {
  return `a lone UTF-16 surrogate "\\u${text.charCodeAt(at).toString(16).padStart(4, "0")}" at character ${at + 1}`;
}
