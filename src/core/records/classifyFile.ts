/**
 * How to read a file, decided from its first bytes: gzip, Parquet and Arrow by magic number; CSV/TSV and plain text by
 * name (their content has no signature; a .txt whose first lines are JSON objects is JSON Lines); everything else must
 * be JSON, and `[` versus `{` plus a trial parse of the first lines tells one array from JSON Lines, whatever the
 * extension says. Text that is UTF-16 or UTF-32 is named as such. The Node engine (sniffFile.ts) and the browser's
 * upload worker read the head of the file their own way and decide here. Isomorphic: no Node or DOM imports.
 */
import {UserError} from "../contract/userError.js";
import type {FileKind} from "./recordItem.js";
import {textLayout} from "./textScanner.js";

/** How much of the head (decompressed, for gzip) the decision looks at. */
export const SNIFF_BYTES = 256 * 1024;

export interface FileSniff {
  kind: FileKind;
  gzip: boolean;
}

/** Whether these first bytes are a gzip stream (the text inside is then decided after decompressing). */
export function isGzip(head: Uint8Array): boolean {
  return head[0] === 0x1f && head[1] === 0x8b;
}

/** Parquet and Arrow are recognised from the raw head alone; null = a text format (or gzip). */
export function binaryKind(head: Uint8Array): FileKind | null {
  const magic = (length: number) => String.fromCharCode(...head.subarray(0, length));
  if (magic(4) === "PAR1") return "parquet";
  if (magic(6) === "ARROW1" || (head.length >= 4 && head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff)) return "arrow";
  return null;
}

export interface TextSample {
  /** The file name as the user named it (the name decides CSV/TSV and plain text). */
  source: string;
  /** Size of the file on disk. */
  size: number;
  /** Bytes of the raw head that were read. */
  headBytes: number;
  gzip: boolean;
  /** Up to SNIFF_BYTES of the (decompressed) content. */
  bytes: Uint8Array;
}

/** The kind of a text file (after gunzip), or a UserError saying why it is none the engine reads. */
export function classifyText({source, size, headBytes, gzip, bytes}: TextSample): FileSniff {
  const encoding = wideEncoding(bytes);
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
  const sample = new TextDecoder().decode(bytes).replace(/^\uFEFF/, "");
  const firstIndex = sample.search(/\S/);
  if (firstIndex === -1) {
    if (!gzip && size > headBytes) throw new UserError(`starts with ${headBytes} bytes of whitespace; it holds no records`, {where: {file: source}, fix: "Pass a file that holds records."});
    throw new UserError(`is empty: it holds only whitespace${gzip ? " (after gunzip)" : ""}`, {where: {file: source}, fix: "Pass a file that holds records."});
  }
  const isWholeFile = gzip ? bytes.length < SNIFF_BYTES : size <= SNIFF_BYTES;
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

/**
 * The encoding of text in a 2- or 4-byte encoding (UTF-16LE, UTF-16BE, UTF-32LE, UTF-32BE), by its byte order mark or,
 * without one, by the zero bytes that ASCII characters leave in every other position; null for UTF-8 (and anything else).
 */
export function wideEncoding(text: Uint8Array): {name: string; evidence: string} | null {
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
