import {isUtf8} from "node:buffer";
import {UserError} from "../../../src/core/contract/userError.js";
import {readFileBytes} from "./byteStream.js";
import {jsonLineItem} from "../../../src/core/records/jsonLines.js";
import {excerptOf, MAX_RECORD_BYTES, oversizedFailure, type ReadOptions, type RecordItem} from "./recordItem.js";
import {findInvalidUtf8} from "./utf8.js";

const NEWLINE = 0x0a;

/**
 * JSON Lines (also `.json` files that are really JSON Lines), plain or gzip, streamed chunk by chunk. Each non-blank line
 * is one record whose row is its line number; a line that is not JSON is an unparsable record (a reject), while bytes
 * that are not UTF-8 make the whole file unreadable, because no later line can be trusted either.
 */
export async function* readJsonLines(path: string, {source, gzip, onBytes, onWarning}: {source: string; gzip: boolean} & ReadOptions): AsyncGenerator<RecordItem[]> {
  // The bytes after the last newline, as received: joined once when the line ends, not once per chunk.
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let carryByte = 0;
  let line = 1;
  /** A line longer than MAX_RECORD_BYTES: dropped as it streams, reported as one reject when it ends. */
  let oversized: {bytes: number; head: string} | null = null;
  /** Parses whole lines (ending in a newline) and advances the position. */
  const complete = (bytes: Buffer): RecordItem[] => {
    const items = parseJsonLines(bytes, {source, firstLine: line, firstByte: carryByte});
    line += countNewlines(bytes, 0, bytes.length);
    carryByte += bytes.length;
    return items;
  };
  for await (const received of readFileBytes(path, {source, gzip, onBytes, onWarning})) {
    let chunk = received;
    if (!oversized && carryBytes + chunk.length > MAX_RECORD_BYTES) {
      const firstNewline = chunk.indexOf(NEWLINE);
      if (carryBytes + (firstNewline === -1 ? chunk.length : firstNewline) > MAX_RECORD_BYTES) {
        oversized = {bytes: carryBytes, head: Buffer.concat(carry).subarray(0, 1024).toString("utf8")};
        carry = [];
        carryBytes = 0;
      }
    }
    if (oversized) {
      const firstNewline = chunk.indexOf(NEWLINE);
      if (firstNewline === -1) {
        oversized.bytes += chunk.length;
        continue;
      }
      oversized.bytes += firstNewline;
      yield [{row: line, line, failure: oversizedFailure("the line", oversized.bytes), excerpt: excerptOf(oversized.head)}];
      carryByte += oversized.bytes + 1;
      line++;
      oversized = null;
      chunk = chunk.subarray(firstNewline + 1);
    }
    const end = chunk.lastIndexOf(NEWLINE) + 1;
    if (end === 0) {
      if (chunk.length) {
        carry.push(chunk);
        carryBytes += chunk.length;
      }
      continue;
    }
    const items = complete(carry.length ? Buffer.concat([...carry, chunk.subarray(0, end)]) : chunk.subarray(0, end));
    // Copy the tail so that it does not keep the whole chunk alive.
    carry = end < chunk.length ? [Buffer.from(chunk.subarray(end))] : [];
    carryBytes = chunk.length - end;
    if (items.length) yield items;
  }
  if (oversized) yield [{row: line, line, failure: oversizedFailure("the line", oversized.bytes), excerpt: excerptOf(oversized.head)}];
  else if (carry.length) {
    const items = complete(Buffer.concat(carry));
    if (items.length) yield items;
  }
}

/**
 * Parses whole lines of JSON Lines bytes (the last line may lack its newline). Shared by the streaming reader and the
 * conversion workers, which receive byte ranges cut at newlines.
 */
export function parseJsonLines(bytes: Uint8Array, position: {source: string; firstLine: number; firstByte: number}): RecordItem[] {
  return [...eachJsonLine(bytes, position)];
}

/**
 * parseJsonLines one record at a time: a converter that takes each record as it is parsed keeps only one alive, so the
 * young generation's collections find almost nothing to copy. The UTF-8 check covers all the bytes before the first
 * record is yielded.
 */
export function* eachJsonLine(bytes: Uint8Array, {source, firstLine, firstByte}: {source: string; firstLine: number; firstByte: number}): Generator<RecordItem> {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // One native validation of the whole range, then non-validating decodes per line: a fatal TextDecoder per line costs
  // more than the parse. Bad bytes take the line-by-line path, which names the line and byte.
  if (!isUtf8(view)) throw invalidUtf8Error(view, {source, firstLine, firstByte});
  let line = firstLine;
  let start = 0;
  while (start < view.length) {
    let end = view.indexOf(NEWLINE, start);
    if (end === -1) end = view.length;
    if (end - start > MAX_RECORD_BYTES) {
      yield {row: line, line, failure: oversizedFailure("the line", end - start), excerpt: excerptOf(view.toString("utf8", start, start + 1024))};
      line++;
      start = end + 1;
      continue;
    }
    const item = jsonLineItem(view.toString("utf8", start, end), line);
    if (item) yield item;
    line++;
    start = end + 1;
  }
}

/** The error for the first line of `view` that is not valid UTF-8. */
function invalidUtf8Error(view: Buffer, {source, firstLine, firstByte}: {source: string; firstLine: number; firstByte: number}): UserError {
  const decoder = new TextDecoder("utf-8", {fatal: true});
  let line = firstLine;
  let start = 0;
  while (start < view.length) {
    let end = view.indexOf(NEWLINE, start);
    if (end === -1) end = view.length;
    try {
      decoder.decode(view.subarray(start, end));
    } catch (error) {
      const bad = findInvalidUtf8(view.subarray(start, end));
      const byte = firstByte + start + Math.max(bad, 0);
      return new UserError("not valid UTF-8", {where: {file: source, line, byte}, fix: "Re-encode the file as UTF-8 (e.g. 'iconv -f latin1 -t utf-8').", cause: error});
    }
    line++;
    start = end + 1;
  }
  return new UserError("not valid UTF-8", {where: {file: source}, fix: "Re-encode the file as UTF-8 (e.g. 'iconv -f latin1 -t utf-8')."});
}

export function countNewlines(bytes: Uint8Array, start: number, end: number): number {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let count = 0;
  for (let at = view.indexOf(NEWLINE, start); at !== -1 && at < end; at = view.indexOf(NEWLINE, at + 1)) count++;
  return count;
}
