/**
 * One top-level JSON array, scanned as text arrives: the scanner finds where each item starts and ends (depth and
 * strings only), and only that item's text is handed to JSON.parse, so memory holds one item at a time, never the file.
 * An item that is not valid JSON is an unparsable record; one longer than MAX_RECORD_BYTES is one counted reject; a
 * broken array (truncated, junk between items) makes the file unreadable. The engine's reader (readJsonArray.ts) and
 * the Datasets page's upload worker both scan with it. Isomorphic: no Node or DOM imports.
 */
import {UserError} from "../contract/userError.js";
import {excerptOf, MAX_RECORD_BYTES, oversizedFailure, type RecordItem, type TextRecordScanner} from "./recordItem.js";

const QUOTE = 0x22, BACKSLASH = 0x5c, OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c, NEWLINE = 0x0a;
/** An item longer than this is kept as pieces, so that each chunk appends instead of copying the whole item again. */
const PIECE_CHARS = 1 << 20;

type State = "before-array" | "before-item" | "in-item" | "after-item" | "after-array";

export class JsonArrayScanner implements TextRecordScanner {
  line = 1;
  private text = "";
  private position = 0;
  private state: State = "before-array";
  private depth = 0;
  private inString = false;
  private itemStart = 0;
  private itemLine = 0;
  private row = 0;
  /** The current item's text before `text` (a long item), and its length. */
  private pieces: string[] = [];
  private piecesLength = 0;
  /** Backslashes that ended the text scanned so far inside a string: they escape what comes first in the next chunk. */
  private carriedBackslashes = 0;
  /** An item longer than MAX_RECORD_BYTES: its text is dropped as it streams; it becomes one reject when it ends. */
  private oversized: {chars: number; head: string} | null = null;

  constructor(private readonly source: string) {}

  push(decoded: string): RecordItem[] {
    // Keep only the unfinished item; everything before it has been returned. (The scan always ends at text's end.)
    if (this.state === "in-item") {
      if (this.oversized || this.piecesLength + this.text.length - this.itemStart > MAX_RECORD_BYTES) {
        this.oversized ??= {chars: 0, head: (this.pieces[0] ?? this.text.slice(this.itemStart)).slice(0, 1024)};
        this.oversized.chars += this.piecesLength + this.position - this.itemStart;
        this.pieces = [];
        this.piecesLength = 0;
        this.itemStart = this.position;
      } else if (this.text.length - this.itemStart > PIECE_CHARS) {
        this.pieces.push(this.text.slice(this.itemStart, this.position));
        this.piecesLength += this.position - this.itemStart;
        this.itemStart = this.position;
      }
    }
    const keepFrom = this.state === "in-item" ? this.itemStart : this.position;
    this.text = this.text.slice(keepFrom) + decoded;
    this.position -= keepFrom;
    this.itemStart -= keepFrom;
    const items: RecordItem[] = [];
    this.scan(items);
    return items;
  }

  end(): RecordItem[] {
    const items = this.push("");
    if (this.state === "in-item" && this.depth === 0 && !this.inString) this.finishItem(this.text.length, items);
    if (this.state !== "after-array") {
      throw new UserError(`ends before its JSON array is closed: the file is truncated (${this.row} complete items were read)`, {
        where: {file: this.source, line: this.line},
        fix: "Copy or download the file again, or close the array with ']'."
      });
    }
    return items;
  }

  private fail(what: string): never {
    throw new UserError(`not a JSON array of records: ${what}`, {where: {file: this.source, line: this.line}, fix: "Write one JSON array of objects, or JSON Lines (one object per line)."});
  }

  private finishItem(end: number, items: RecordItem[]): void {
    this.row++;
    this.state = "after-item";
    if (this.oversized) {
      items.push({row: this.row, line: this.itemLine, failure: oversizedFailure("the array item", this.oversized.chars + end - this.itemStart), excerpt: excerptOf(this.oversized.head)});
      this.oversized = null;
      return;
    }
    const itemText = this.pieces.length ? this.pieces.join("") + this.text.slice(this.itemStart, end) : this.text.slice(this.itemStart, end);
    this.pieces = [];
    this.piecesLength = 0;
    try {
      items.push({row: this.row, line: this.itemLine, value: JSON.parse(itemText)});
    } catch (error) {
      items.push({row: this.row, line: this.itemLine, failure: `array item is not valid JSON (${(error as Error).message})`, excerpt: excerptOf(itemText)});
    }
  }

  private scan(items: RecordItem[]): void {
    const text = this.text;
    const length = text.length;
    while (this.position < length) {
      if (this.state === "in-item") {
        if (this.inString) {
          const quote = text.indexOf('"', this.position);
          if (quote === -1) {
            let trailing = 0;
            for (let k = length - 1; k >= this.position && text.charCodeAt(k) === BACKSLASH; k--) trailing++;
            this.carriedBackslashes = trailing === length - this.position ? this.carriedBackslashes + trailing : trailing;
            this.position = length;
            return;
          }
          let backslashes = 0;
          let k = quote - 1;
          for (; k >= this.position && text.charCodeAt(k) === BACKSLASH; k--) backslashes++;
          if (k < this.position) backslashes += this.carriedBackslashes;
          this.carriedBackslashes = 0;
          this.position = quote + 1;
          if (backslashes % 2 === 0) {
            this.inString = false;
            if (this.depth === 0) this.finishItem(this.position, items);
          }
          continue;
        }
        const code = text.charCodeAt(this.position);
        if (code === QUOTE) {
          this.inString = true;
          this.carriedBackslashes = 0;
        } else if (code === OPEN_BRACE || code === OPEN_BRACKET) this.depth++;
        else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
          if (this.depth === 0) {
            // A scalar item ends where the array does.
            this.finishItem(this.position, items);
            continue;
          }
          this.depth--;
          if (this.depth === 0) {
            this.position++;
            this.finishItem(this.position, items);
            continue;
          }
        } else if (this.depth === 0 && (code === COMMA || isWhitespace(code))) {
          this.finishItem(this.position, items);
          continue;
        } else if (code === NEWLINE) this.line++;
        this.position++;
        continue;
      }
      const code = text.charCodeAt(this.position);
      if (code === NEWLINE) this.line++;
      if (isWhitespace(code)) {
        this.position++;
        continue;
      }
      if (this.state === "before-array") {
        if (code === 0xfeff) {
          this.position++;
          continue;
        }
        if (code !== OPEN_BRACKET) this.fail(`expected '[' but found '${text[this.position]}'`);
        this.state = "before-item";
        this.position++;
      } else if (this.state === "before-item") {
        if (code === CLOSE_BRACKET && this.row === 0) {
          this.state = "after-array";
          this.position++;
          continue;
        }
        if (code === COMMA || code === CLOSE_BRACKET) this.fail(`expected an item but found '${text[this.position]}'`);
        this.state = "in-item";
        this.itemStart = this.position;
        this.itemLine = this.line;
        this.depth = 0;
        this.inString = false;
      } else if (this.state === "after-item") {
        if (code === COMMA) this.state = "before-item";
        else if (code === CLOSE_BRACKET) this.state = "after-array";
        else this.fail(`expected ',' or ']' after item ${this.row} but found '${text[this.position]}'`);
        this.position++;
      } else {
        this.fail(`unexpected '${text[this.position]}' after the closing ']'`);
      }
    }
  }
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}
