import type {ReadOptions, RecordItem} from "./recordItem.js";
import {readTextChunks} from "./textChunks.js";

/**
 * Plain text (.txt, plain or gzip), streamed: a pre-training corpus becomes `{text}` records, which the `text` format
 * reads. Either one document per non-blank line ("text-lines"), or one per block of lines separated by blank lines
 * ("text-paragraphs", the block's lines joined with "\n"); `sniffFile` decides which from the file's head. A record's
 * row is the line its document starts on. A trailing "\r" (CRLF files) is removed; nothing else of the text changes.
 */
export async function* readText(
  path: string,
  {source, gzip, paragraphs, onBytes, onWarning}: {source: string; gzip: boolean; paragraphs: boolean} & ReadOptions
): AsyncGenerator<RecordItem[]> {
  let carry = "";
  let line = 1;
  let block: string[] = [];
  let blockLine = 0;

  const flush = (items: RecordItem[]) => {
    if (block.length) items.push({row: blockLine, line: blockLine, value: {text: block.join("\n")}});
    block = [];
  };
  const take = (raw: string, at: number, items: RecordItem[]) => {
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (text.trim() === "") {
      if (paragraphs) flush(items);
      return;
    }
    if (!paragraphs) {
      items.push({row: at, line: at, value: {text}});
      return;
    }
    if (!block.length) blockLine = at;
    block.push(text);
  };

  for await (const text of readTextChunks(path, {source, gzip, onBytes, onWarning}, () => line)) {
    carry += text;
    const lines = carry.split("\n");
    carry = lines.pop()!;
    const items: RecordItem[] = [];
    for (const raw of lines) take(raw, line++, items);
    if (items.length) yield items;
  }
  const items: RecordItem[] = [];
  if (carry !== "") take(carry, line, items);
  flush(items);
  if (items.length) yield items;
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
