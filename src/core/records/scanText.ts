/**
 * Decodes a stream of UTF-8 byte chunks and feeds a text scanner, yielding its records batch by batch. Bytes that are
 * not UTF-8 make the whole file unreadable (no later record can be trusted), with the byte offset in the message.
 * Isomorphic: no Node or DOM imports (TextDecoder is in both).
 */
import {UserError} from "../contract/userError.js";
import type {RecordItem, TextRecordScanner} from "./recordItem.js";
import {findInvalidUtf8} from "./utf8.js";

const UTF8_FIX = "Re-encode the file as UTF-8 (e.g. 'iconv -f latin1 -t utf-8').";

export async function* scanTextChunks(chunks: AsyncIterable<Uint8Array>, scanner: TextRecordScanner, source: string): AsyncGenerator<RecordItem[]> {
  const decoder = new TextDecoder("utf-8", {fatal: true});
  let bytesDecoded = 0;
  for await (const chunk of chunks) {
    let text: string;
    try {
      text = decoder.decode(chunk, {stream: true});
    } catch (error) {
      const byte = bytesDecoded + Math.max(findInvalidUtf8(chunk, true), 0);
      throw new UserError(`not valid UTF-8 (near line ${scanner.line})`, {where: {file: source, byte}, fix: UTF8_FIX, cause: error});
    }
    bytesDecoded += chunk.length;
    const items = scanner.push(text);
    if (items.length) yield items;
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch (error) {
    throw new UserError("ends in the middle of a UTF-8 character: the file is truncated", {where: {file: source, byte: bytesDecoded}, fix: "Copy or download the file again.", cause: error});
  }
  const items = [...(rest ? scanner.push(rest) : []), ...scanner.end()];
  if (items.length) yield items;
}
