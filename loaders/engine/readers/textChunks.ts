import {UserError} from "../../../src/core/contract/userError.js";
import {readFileBytes} from "./byteStream.js";
import {countNewlines} from "./readJsonLines.js";
import type {ReadOptions} from "./recordItem.js";
import {findInvalidUtf8} from "./utf8.js";

/**
 * A text file (plain or gzip) decoded as UTF-8, chunk by chunk, without its byte order mark: what the CSV/TSV and plain
 * text readers scan. Bytes that are not UTF-8 make the whole file unreadable, since no later line can be trusted: the
 * error names the byte and its line (the reader's line when the chunk began, `lineNow`, plus the chunk's newlines
 * before the byte). A file that ends inside a character is truncated, and says so.
 */
export async function* readTextChunks(path: string, {source, gzip, onBytes, onWarning}: {source: string; gzip: boolean} & ReadOptions, lineNow: () => number): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", {fatal: true});
  let bytesDecoded = 0;
  let first = true;
  for await (const chunk of readFileBytes(path, {source, gzip, onBytes, onWarning})) {
    let text: string;
    try {
      text = decoder.decode(chunk, {stream: true});
    } catch (error) {
      const bad = Math.max(findInvalidUtf8(chunk, true), 0);
      const line = lineNow() + countNewlines(chunk, 0, bad);
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
