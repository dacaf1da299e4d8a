import {UserError} from "../../../src/core/contract/userError.js";
import {openRegularFile} from "../../fs/regularFile.js";
import {gunzipSample} from "./gzipMembers.js";
import {textLayout} from "./readText.js";
import type {FileKind} from "./recordItem.js";

const SAMPLE_BYTES = 256 * 1024;

export interface FileSniff {
  kind: FileKind;
  gzip: boolean;
}

/**
 * Decides how to read a file from its first bytes: gzip, Parquet and Arrow by magic number; CSV/TSV and plain text by
 * name (their content has no signature; a .txt whose first lines are JSON objects is JSON Lines); everything else must
 * be JSON, and `[` versus `{` plus a trial parse of the first lines tells one array from JSON Lines, whatever the
 * extension says. Only a regular file is opened (without blocking), and text that is UTF-16 or UTF-32 is named as such.
 */
export async function sniffFile(path: string, source: string): Promise<FileSniff> {
  const {handle, stats} = await openRegularFile(path, {shown: source, what: "a dataset file"});
  let head: Buffer;
  const size = stats.size;
  try {
    // One byte more than a zero size claims: files under /proc and /sys report 0 bytes and still hold text.
    const buffer = Buffer.alloc(Math.max(1, Math.min(SAMPLE_BYTES, size)));
    const {bytesRead} = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (size === 0 && head.length > 0) {
    throw new UserError("reports a size of 0 bytes but is not empty: a virtual file (such as those under /proc or /sys) whose size the system does not know", {
      where: {file: source},
      fix: "Copy it to a regular file first (e.g. 'cat FILE > data.jsonl') and pass that file."
    });
  }
  if (size === 0) throw new UserError("is empty (0 bytes)", {where: {file: source}, fix: "Pass a file that holds records."});
  if (head.subarray(0, 4).toString("latin1") === "PAR1") return {kind: "parquet", gzip: false};
  if (head.subarray(0, 6).toString("latin1") === "ARROW1" || (head.length >= 4 && head.readUInt32LE(0) === 0xffffffff)) return {kind: "arrow", gzip: false};
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  let text: Buffer = head;
  if (gzip) text = await gunzipHead(head, source);
  const encoding = wideEncoding(text);
  if (encoding) {
    throw new UserError(`is ${encoding.name} text (${encoding.evidence})${gzip ? " (after gunzip)" : ""}; the engine reads UTF-8`, {
      where: {file: source},
      fix: `Re-encode it as UTF-8, e.g. 'iconv -f ${encoding.name} -t UTF-8 FILE > FILE.utf8' (then pass that file).`,
      code: "wide-encoding"
    });
  }
  const name = source.toLowerCase().replace(/\.gz$/, "");
  if (name.endsWith(".csv")) return {kind: "csv", gzip};
  if (name.endsWith(".tsv")) return {kind: "tsv", gzip};
  const sample = text.toString("utf8").replace(/^\uFEFF/, "");
  const firstIndex = sample.search(/\S/);
  if (firstIndex === -1) {
    if (!gzip && size > head.length) throw new UserError(`starts with ${head.length} bytes of whitespace; it holds no records`, {where: {file: source}, fix: "Pass a file that holds records."});
    throw new UserError(`is empty: it holds only whitespace${gzip ? " (after gunzip)" : ""}`, {where: {file: source}, fix: "Pass a file that holds records."});
  }
  const isWholeFile = gzip ? text.length < SAMPLE_BYTES : size <= SAMPLE_BYTES;
  if (name.endsWith(".txt")) return {kind: startsWithJsonObjects(sample, isWholeFile) ? "jsonl" : textLayout(sample, isWholeFile), gzip};
  const first = sample[firstIndex];
  const line = sample.slice(0, firstIndex).split("\n").length;
  if (first === "[") return {kind: "json-array", gzip};
  if (first === "{") {
    if (!isSingleObject(sample, isWholeFile)) return {kind: "jsonl", gzip};
    const keys = topLevelKeys(sample);
    throw new UserError(`is one JSON object${keys ? ` (keys: ${keys})` : ""}, not a list of records`, {
      where: {file: source, line},
      fix: "The engine reads a JSON array of records or JSON Lines (one record per line); if the records sit under one key, extract them first (e.g. 'jq .KEY file > records.json')."
    });
  }
  const shown = JSON.stringify(sample.slice(firstIndex, firstIndex + 20));
  throw new UserError(`is not JSON, JSON Lines, CSV/TSV, Parquet or Arrow: line ${line} starts with ${shown}`, {
    where: {file: source},
    fix: "Give CSV/TSV files a .csv/.tsv name and plain text (one document per line or per blank-line-separated block) a .txt name, or convert the file to JSON Lines."
  });
}

/**
 * True when the text is one JSON object spread over lines rather than JSON Lines: no complete line parses as a record,
 * and either the whole sample parses as one object or it opens with a lone "{" line (a big pretty-printed object).
 * Lines that all fail for other reasons are left to the JSON Lines reader, which rejects each with its reason.
 */
function isSingleObject(sample: string, isWholeFile: boolean): boolean {
  const lines = sample.split("\n");
  if (!isWholeFile) lines.pop();
  let tried = 0;
  for (const line of lines) {
    if (!line.trim()) continue;
    try {
      const value = JSON.parse(line);
      if (value !== null && typeof value === "object") return false;
    } catch {
      // try the next line
    }
    if (++tried >= 20) break;
  }
  if (isWholeFile) {
    try {
      return !Array.isArray(JSON.parse(sample));
    } catch {
      return false;
    }
  }
  return lines.find((line) => line.trim())?.trim() === "{";
}

function topLevelKeys(sample: string): string | null {
  try {
    const value = JSON.parse(sample);
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const keys = Object.keys(value);
      return keys.slice(0, 8).join(", ") + (keys.length > 8 ? `, … (${keys.length} keys)` : "");
    }
  } catch {
    // only part of the file is in the sample
  }
  return null;
}

/** The decompressed start of a gzip file's first bytes (bounded; bytes after the last member are left out here too). */
async function gunzipHead(head: Buffer, source: string): Promise<Buffer> {
  try {
    return await gunzipSample(head, SAMPLE_BYTES);
  } catch (error) {
    throw new UserError(`starts like gzip but does not decompress: ${(error as Error).message}`, {where: {file: source, byte: 0}, fix: "Download the file again, or check it with 'gzip -t'.", cause: error});
  }
}

/**
 * The encoding of text in a 2- or 4-byte encoding (UTF-16LE, UTF-16BE, UTF-32LE, UTF-32BE), by its byte order mark or,
 * without one, by the zero bytes that ASCII characters leave in every other position; null for UTF-8 (and anything else).
 */
export function wideEncoding(text: Buffer): {name: string; evidence: string} | null {
  if (text.length >= 4 && text[0] === 0xff && text[1] === 0xfe && text[2] === 0 && text[3] === 0) return {name: "UTF-32LE", evidence: "byte order mark FF FE 00 00"};
  if (text.length >= 4 && text[0] === 0 && text[1] === 0 && text[2] === 0xfe && text[3] === 0xff) return {name: "UTF-32BE", evidence: "byte order mark 00 00 FE FF"};
  if (text.length >= 2 && text[0] === 0xff && text[1] === 0xfe) return {name: "UTF-16LE", evidence: "byte order mark FF FE"};
  if (text.length >= 2 && text[0] === 0xfe && text[1] === 0xff) return {name: "UTF-16BE", evidence: "byte order mark FE FF"};
  const sample = text.subarray(0, Math.min(text.length, 512) & ~3);
  if (sample.length < 4) return null;
  let evenZeros = 0, oddZeros = 0;
  for (let i = 0; i < sample.length; i++) if (sample[i] === 0) i % 2 ? oddZeros++ : evenZeros++;
  const half = sample.length / 2;
  if (oddZeros > half * 0.9 && evenZeros < half * 0.1) return {name: "UTF-16LE", evidence: "no byte order mark; a zero byte after every ASCII character"};
  if (evenZeros > half * 0.9 && oddZeros < half * 0.1) return {name: "UTF-16BE", evidence: "no byte order mark; a zero byte before every ASCII character"};
  return null;
}

/** Whether the first (up to 20) non-blank complete lines of a text file all parse as JSON objects: JSON Lines named .txt. */
function startsWithJsonObjects(sample: string, isWholeFile: boolean): boolean {
  const lines = sample.split("\n");
  if (!isWholeFile) lines.pop();
  const first = lines.filter((line) => line.trim()).slice(0, 20);
  return (
    first.length > 0 &&
    first.every((line) => {
      try {
        const value: unknown = JSON.parse(line);
        return value !== null && typeof value === "object" && !Array.isArray(value);
      } catch {
        return false;
      }
    })
  );
}
