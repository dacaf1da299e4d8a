import {UserError} from "../../../src/core/contract/userError.js";
import {readFileBytes} from "./byteStream.js";
import {excerptOf, MAX_RECORD_BYTES, oversizedFailure, type ReadOptions, type RecordItem} from "./recordItem.js";
import {findInvalidUtf8} from "./utf8.js";

const QUOTE = 0x22, BACKSLASH = 0x5c, OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c, NEWLINE = 0x0a;
/** An item longer than this is kept as pieces, so that each chunk appends instead of copying the whole item again. */
const PIECE_CHARS = 1 << 20;

type State = "before-array" | "before-item" | "in-item" | "after-item" | "after-array";

/**
 * One top-level JSON array, streamed: a scanner finds where each item starts and ends (depth and strings only), and
 * only that item's text is handed to JSON.parse, so memory holds one item at a time, never the file. An item that is
 * not valid JSON is an unparsable record; a broken array (truncated, junk between items) makes the file unreadable.
 */
export async function* readJsonArray(path: string, {source, gzip, onBytes, onWarning}: {source: string; gzip: boolean} & ReadOptions): AsyncGenerator<RecordItem[]> {
  const decoder = new TextDecoder("utf-8", {fatal: true});
  let text = "";
  let position = 0;
  let state = "before-array" as State;
  let depth = 0;
  let inString = false;
  let itemStart = 0;
  let itemLine = 0;
  let line = 1;
  let row = 0;
  let bytesDecoded = 0;
  /** The current item's text before `text` (a long item), and its length. */
  let pieces: string[] = [];
  let piecesLength = 0;
  /** Backslashes that ended the text scanned so far inside a string: they escape what comes first in the next chunk. */
  let carriedBackslashes = 0;
  /** An item longer than MAX_RECORD_BYTES: its text is dropped as it streams; it becomes one reject when it ends. */
  let oversized: {chars: number; head: string} | null = null;
  const fail = (what: string) => {
    throw new UserError(`not a JSON array of records: ${what}`, {where: {file: source, line}, fix: "Write one JSON array of objects, or JSON Lines (one object per line)."});
  };
  const finishItem = (end: number, items: RecordItem[]) => {
    row++;
    if (oversized) {
      items.push({row, line: itemLine, failure: oversizedFailure("the array item", oversized.chars + end - itemStart), excerpt: excerptOf(oversized.head)});
      oversized = null;
      state = "after-item";
      return;
    }
    const itemText = pieces.length ? pieces.join("") + text.slice(itemStart, end) : text.slice(itemStart, end);
    pieces = [];
    piecesLength = 0;
    try {
      items.push({row, line: itemLine, value: JSON.parse(itemText)});
    } catch (error) {
      items.push({row, line: itemLine, failure: `array item is not valid JSON (${(error as Error).message})`, excerpt: excerptOf(itemText)});
    }
    state = "after-item";
  };
  const scan = (items: RecordItem[]) => {
    const length = text.length;
    while (position < length) {
      if (state === "in-item") {
        if (inString) {
          const quote = text.indexOf('"', position);
          if (quote === -1) {
            let trailing = 0;
            for (let k = length - 1; k >= position && text.charCodeAt(k) === BACKSLASH; k--) trailing++;
            carriedBackslashes = trailing === length - position ? carriedBackslashes + trailing : trailing;
            position = length;
            return;
          }
          let backslashes = 0;
          let k = quote - 1;
          for (; k >= position && text.charCodeAt(k) === BACKSLASH; k--) backslashes++;
          if (k < position) backslashes += carriedBackslashes;
          carriedBackslashes = 0;
          position = quote + 1;
          if (backslashes % 2 === 0) {
            inString = false;
            if (depth === 0) finishItem(position, items);
          }
          continue;
        }
        const code = text.charCodeAt(position);
        if (code === QUOTE) {
          inString = true;
          carriedBackslashes = 0;
        }
        else if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
        else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
          if (depth === 0) {
            // A scalar item ends where the array does.
            finishItem(position, items);
            continue;
          }
          depth--;
          if (depth === 0) {
            position++;
            finishItem(position, items);
            continue;
          }
        } else if (depth === 0 && (code === COMMA || isWhitespace(code))) {
          finishItem(position, items);
          continue;
        } else if (code === NEWLINE) line++;
        position++;
        continue;
      }
      const code = text.charCodeAt(position);
      if (code === NEWLINE) line++;
      if (isWhitespace(code)) {
        position++;
        continue;
      }
      if (state === "before-array") {
        if (code === 0xfeff) {
          position++;
          continue;
        }
        if (code !== OPEN_BRACKET) fail(`expected '[' but found '${text[position]}'`);
        state = "before-item";
        position++;
      } else if (state === "before-item") {
        if (code === CLOSE_BRACKET && row === 0) {
          state = "after-array";
          position++;
          continue;
        }
        if (code === COMMA || code === CLOSE_BRACKET) fail(`expected an item but found '${text[position]}'`);
        state = "in-item";
        itemStart = position;
        itemLine = line;
        depth = 0;
        inString = false;
      } else if (state === "after-item") {
        if (code === COMMA) state = "before-item";
        else if (code === CLOSE_BRACKET) state = "after-array";
        else fail(`expected ',' or ']' after item ${row} but found '${text[position]}'`);
        position++;
      } else {
        fail(`unexpected '${text[position]}' after the closing ']'`);
      }
    }
  };
  for await (const chunk of readFileBytes(path, {source, gzip, onBytes, onWarning})) {
    let decoded: string;
    try {
      decoded = decoder.decode(chunk, {stream: true});
    } catch (error) {
      const byte = bytesDecoded + Math.max(findInvalidUtf8(chunk, true), 0);
      throw new UserError(`not valid UTF-8 (near line ${line})`, {where: {file: source, byte}, fix: "Re-encode the file as UTF-8 (e.g. 'iconv -f latin1 -t utf-8').", cause: error});
    }
    bytesDecoded += chunk.length;
    // Keep only the unfinished item; everything before it has been yielded. (The scan always ends at text's end.)
    if (state === "in-item") {
      if (oversized || piecesLength + text.length - itemStart > MAX_RECORD_BYTES) {
        oversized ??= {chars: 0, head: (pieces[0] ?? text.slice(itemStart)).slice(0, 1024)};
        oversized.chars += piecesLength + position - itemStart;
        pieces = [];
        piecesLength = 0;
        itemStart = position;
      } else if (text.length - itemStart > PIECE_CHARS) {
        pieces.push(text.slice(itemStart, position));
        piecesLength += position - itemStart;
        itemStart = position;
      }
    }
    const keepFrom = state === "in-item" ? itemStart : position;
    text = text.slice(keepFrom) + decoded;
    position -= keepFrom;
    itemStart -= keepFrom;
    const items: RecordItem[] = [];
    scan(items);
    if (items.length) yield items;
  }
  try {
    const keepFrom = state === "in-item" ? itemStart : position;
    text = text.slice(keepFrom) + decoder.decode();
    position -= keepFrom;
    itemStart -= keepFrom;
  } catch (error) {
    throw new UserError("ends in the middle of a UTF-8 character: the file is truncated", {where: {file: source, byte: bytesDecoded}, fix: "Copy or download the file again.", cause: error});
  }
  const items: RecordItem[] = [];
  scan(items);
  if (state === "in-item" && depth === 0 && !inString) finishItem(text.length, items);
  if (items.length) yield items;
  if (state !== "after-array") {
    throw new UserError(`ends before its JSON array is closed: the file is truncated (${row} complete items were read)`, {
      where: {file: source, line},
      fix: "Copy or download the file again, or close the array with ']'."
    });
  }
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}
