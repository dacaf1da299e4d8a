/**
 * JSON Lines: one record per non-blank line, its row is its line number. The rule for one line is here once; the Node
 * reader applies it to byte ranges (readJsonLines.ts, also in the conversion workers), the browser to decoded text.
 * Isomorphic: no Node or DOM imports.
 */
import {excerptOf, MAX_RECORD_BYTES, oversizedFailure, type RecordItem, type TextRecordScanner} from "./recordItem.js";

/**
 * One line of JSON Lines as a record: null for a blank line, a failure naming JSON.parse's reason for a line that is
 * not JSON. A leading byte order mark is dropped from every line (what a TextDecoder does to each line it decodes).
 */
export function jsonLineItem(text: string, line: number): RecordItem | null {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (isBlank(text)) return null;
  try {
    return {row: line, line, value: JSON.parse(text)};
  } catch (error) {
    return {row: line, line, failure: `line is not valid JSON (${(error as Error).message})`, excerpt: excerptOf(text)};
  }
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return false;
  }
  return true;
}

/**
 * JSON Lines over decoded text chunks (the browser's upload worker). A line longer than MAX_RECORD_BYTES (counted here
 * in characters, which for such a line is close enough) is one counted reject, as in the engine.
 */
export class JsonLinesScanner implements TextRecordScanner {
  line = 1;
  private carry = "";

  push(text: string): RecordItem[] {
    const items: RecordItem[] = [];
    let start = 0;
    const joined = this.carry + text;
    for (let end = joined.indexOf("\n"); end !== -1; end = joined.indexOf("\n", start)) {
      const item = end - start > MAX_RECORD_BYTES ? oversized(joined.slice(start, start + 1024), end - start, this.line++) : jsonLineItem(joined.slice(start, end), this.line++);
      if (item) items.push(item);
      start = end + 1;
    }
    this.carry = joined.slice(start);
    return items;
  }

  end(): RecordItem[] {
    const item = !this.carry ? null : this.carry.length > MAX_RECORD_BYTES ? oversized(this.carry.slice(0, 1024), this.carry.length, this.line) : jsonLineItem(this.carry, this.line);
    this.carry = "";
    return item ? [item] : [];
  }
}

function oversized(head: string, length: number, line: number): RecordItem {
  return {row: line, line, failure: oversizedFailure("the line", length), excerpt: excerptOf(head)};
}
