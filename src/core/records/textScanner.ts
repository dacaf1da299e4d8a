/**
 * Plain text (.txt) as records: a pre-training corpus becomes `{text}` records, which the `text` format reads. Either
 * one document per non-blank line ("text-lines"), or one per block of lines separated by blank lines ("text-paragraphs",
 * the block's lines joined with "\n"); `textLayout` decides which from the file's head. A record's row is the line its
 * document starts on. A trailing "\r" (CRLF files) is removed; nothing else of the text changes. The engine's reader
 * (readText.ts) and the Datasets page's upload worker both scan with it. Isomorphic: no Node or DOM imports.
 */
import type {RecordItem, TextRecordScanner} from "./recordItem.js";

export class TextLinesScanner implements TextRecordScanner {
  line = 1;
  private carry = "";
  private block: string[] = [];
  private blockLine = 0;

  constructor(private readonly paragraphs: boolean) {}

  push(text: string): RecordItem[] {
    this.carry += text;
    const lines = this.carry.split("\n");
    this.carry = lines.pop()!;
    const items: RecordItem[] = [];
    for (const raw of lines) this.take(raw, this.line++, items);
    return items;
  }

  end(): RecordItem[] {
    const items: RecordItem[] = [];
    if (this.carry !== "") this.take(this.carry, this.line, items);
    this.carry = "";
    this.flush(items);
    return items;
  }

  private flush(items: RecordItem[]): void {
    if (this.block.length) items.push({row: this.blockLine, line: this.blockLine, value: {text: this.block.join("\n")}});
    this.block = [];
  }

  private take(raw: string, at: number, items: RecordItem[]): void {
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (text.trim() === "") {
      if (this.paragraphs) this.flush(items);
      return;
    }
    if (!this.paragraphs) {
      items.push({row: at, line: at, value: {text}});
      return;
    }
    if (!this.block.length) this.blockLine = at;
    this.block.push(text);
  }
}

/**
 * "text-paragraphs" when the head of a text file is made of blocks of several lines separated by blank lines (at least
 * two separators, and one per 50 lines of text or more, so that a stray blank line in a one-document-per-line corpus
 * does not merge its documents); otherwise "text-lines".
 */
export function textLayout(head: string, isWholeFile: boolean): "text-lines" | "text-paragraphs" {
  const lines = head.split("\n");
  if (!isWholeFile) lines.pop();
  let run = 0;
  let separators = 0;
  let textLines = 0;
  let multiLine = false;
  for (const line of lines) {
    if (line.trim() === "") {
      if (run) separators++;
      run = 0;
    } else {
      textLines++;
      if (++run >= 2) multiLine = true;
    }
  }
  if (run === 0 && separators) separators--; // blank lines at the end separate nothing
  return multiLine && separators >= 2 && separators * 50 >= textLines ? "text-paragraphs" : "text-lines";
}
