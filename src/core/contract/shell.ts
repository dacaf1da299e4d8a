/**
 * Strings that end up in a shell script (`run.sh`): every argument is quoted and every comment is kept on its line,
 * whatever the plan, a model name, a catalogue or a dataset put in them. Isomorphic: no Node or DOM imports.
 */
import {UserError} from "./userError.js";

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One word for a POSIX shell (bash, dash, zsh): safe characters stay bare; anything else goes in single quotes, inside
 * which nothing is special but the quote itself (`'` becomes `'\''`), newlines and `$(…)` included. A NUL character
 * cannot be part of any command-line argument, so it is refused rather than silently cut.
 */
export function shellQuote(word: string): string {
  if (word.includes("\0")) {
    throw new UserError(`${JSON.stringify(word)} holds a NUL character, which no command-line argument can hold`, {fix: "Remove the NUL (\\u0000) from the value."});
  }
  return SAFE.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Every character that could end a line or act on a terminal: C0 and C1 controls, DEL, and the Unicode line breaks. */
const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Text for a `# …` comment line: each control character and line break (\n, \r, \v, \f, U+0085, U+2028, U+2029) is
 * written as a visible escape (`\n`, `\u2028`), so nothing in the text can end the comment and start a command.
 */
export function shellComment(text: string): string {
  return text.replace(LINE_BREAKING, (char) => {
    if (char === "\n") return "\\n";
    if (char === "\r") return "\\r";
    if (char === "\t") return " ";
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}
