/**
 * Text from data (column names, values, file names, messages that quote them) is untrusted on a terminal: an ESC
 * sequence in a dataset key can clear the screen or rewrite what was printed, a carriage return can hide a line, and
 * bidirectional overrides can make text read differently from what it is. Everything printed goes through here.
 */

/** C0 controls, DEL, C1 controls, the Unicode line and paragraph separators, and the bidirectional embeddings, overrides and isolates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(char: string): string {
  const code = char.charCodeAt(0);
  if (char === "\n") return "\\n";
  if (char === "\r") return "\\r";
  if (char === "\t") return "\\t";
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** One value from data, for a place in a line: every control character visible as an escape (`\x1b`, `\n`, `\u202e`). */
export function escapeData(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** A whole view or message: the same, except that its own line breaks stay line breaks. */
export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, escape);
}

/** JSON already escapes C0 controls; DEL, C1 and the Unicode separators and bidi controls become `\uXXXX` (the same JSON value). */
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function escapeJsonText(json: string): string {
  return json.replace(JSON_UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
