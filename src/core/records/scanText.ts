/**
 * Decodes a stream of UTF-8 byte chunks, and feeds a text scanner with it. Bytes that are not UTF-8 make the whole file
 * unreadable, since no later record can be trusted: the error names the byte and its line (the reader's line when the
 * chunk began plus the chunk's newlines before the byte). A file that ends inside a character is truncated, and says
 * so. The engine reads files this way (loaders/engine/readers) and the Datasets page's upload worker reads uploads.
 * Isomorphic: no Node or DOM imports (TextDecoder is in both).
 */
import {UserError} from "../contract/userError.js";
import type {RecordItem, TextRecordScanner} from "./recordItem.js";
import {findInvalidUtf8} from "./utf8.js";

function newlinesBefore(bytes: Uint8Array, end: number): number {
  let count = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) count++;
  return count;
}

/** The text of UTF-8 chunks, chunk by chunk, without its byte order mark; `lineNow` is the reader's current line. */
export async function* decodeTextChunks(chunks: AsyncIterable<Uint8Array>, {source, lineNow}: {source: string; lineNow: () => number}): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", {fatal: true});
  let bytesDecoded = 0;
  let first = true;
  for await (const chunk of chunks) {
    let text: string;
    try {
      text = decoder.decode(chunk, {stream: true});
    } catch (error) {
      const bad = Math.max(findInvalidUtf8(chunk, true), 0);
      const line = lineNow() + newlinesBefore(chunk, bad);
      throw new UserError(`not valid UTF-8 (near line ${line})`, {where: {file: source, byte: bytesDecoded + bad}, fix: "Re-encode the file as UTF-8 (e.g. 'iconv -f latin1 -t utf-8').", cause: error});
    }
    bytesDecoded += chunk.length;
    if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    first = false;
    yield text;
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch (error) {
    throw new UserError("ends in the middle of a UTF-8 character: the file is truncated", {where: {file: source, byte: bytesDecoded}, fix: "Copy or download the file again.", cause: error});
  }
  if (rest) yield rest;
}

/** The records a scanner finds in UTF-8 chunks, batch by batch. */
export async function* scanTextChunks(chunks: AsyncIterable<Uint8Array>, scanner: TextRecordScanner, source: string): AsyncGenerator<RecordItem[]> {
  for await (const text of decodeTextChunks(chunks, {source, lineNow: () => scanner.line})) {
    const items = scanner.push(text);
    if (items.length) yield items;
  }
  const items = scanner.end();
  if (items.length) yield items;
}
