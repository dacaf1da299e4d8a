/**
 * How to read a file, decided from its first bytes: gzip, Parquet and Arrow by magic number; CSV/TSV by name (their
 * content has no signature); everything else must be JSON, and `[` versus `{` plus a trial parse of the first lines
 * tells one array from JSON Lines, whatever the extension says. The Node engine (sniffFile.ts) and the browser's upload
 * worker read the head of the file their own way and decide here. Isomorphic: no Node or DOM imports.
 */
import {UserError} from "../contract/userError.js";
import type {FileKind} from "./recordItem.js";

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
  /** The file name as the user named it (the name decides CSV/TSV). */
  source: string;
  /** Size of the file on disk. */
  size: number;
  /** Bytes of the raw head that were read. */
  headBytes: number;
  gzip: boolean;
  /** Up to SNIFF_BYTES of decompressed text. */
  text: string;
  /** True when `text` is the whole (decompressed) content. */
  isWholeFile: boolean;
}

/** The kind of a text file (after gunzip), or a UserError saying why it is none the engine reads. */
export function classifyText({source, size, headBytes, gzip, text, isWholeFile}: TextSample): FileSniff {
  const name = source.toLowerCase().replace(/\.gz$/, "");
  if (name.endsWith(".csv")) return {kind: "csv", gzip};
  if (name.endsWith(".tsv")) return {kind: "tsv", gzip};
  const sample = text.replace(/^\uFEFF/, "");
  const firstIndex = sample.search(/\S/);
  if (firstIndex === -1) {
    if (!gzip && size > headBytes) throw new UserError(`starts with ${headBytes} bytes of whitespace; it holds no records`, {where: {file: source}, fix: "Pass a file that holds records."});
    throw new UserError(`is empty: it holds only whitespace${gzip ? " (after gunzip)" : ""}`, {where: {file: source}, fix: "Pass a file that holds records."});
  }
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
    fix: "Give CSV/TSV files a .csv/.tsv name, or convert the file to JSON Lines."
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
