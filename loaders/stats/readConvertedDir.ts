/**
 * Reads a converted directory in DS-Chat's `local/jsonfile` layout: `train.json` and `eval.json` (JSON Lines or one JSON
 * array, as the Hugging Face `json` builder accepts) plus an optional `manifest.json`.
 */
import {constants as bufferLimits} from "node:buffer";
import {existsSync, statSync} from "node:fs";
import {join, resolve} from "node:path";
import type {LocalJsonRow} from "../../src/core/canonical.js";
import type {Manifest} from "../../src/core/contract/manifest.js";
import type {IdentifiedRow, SplitName} from "../../src/core/stats/computeStats.js";
import {readManifest} from "../engine/readManifest.js";
import {UserError, type ErrorLocation} from "../../src/core/contract/userError.js";
import {readRegularFileSync} from "../fs/regularFile.js";

export const LOCAL_JSON_KEYS = ["prompt", "chosen", "rejected"] as const;

export interface ConvertedFile {
  path: string;
  /** "train.json" / "eval.json": the prefix of row ids. */
  name: string;
  format: "jsonl" | "json-array";
  rows: IdentifiedRow[];
  /** Keys of LOCAL_JSON_KEYS absent from every row: DS-Chat's dataset has no such column (phase 2 without `rejected` → KeyError). */
  missingColumns: string[];
}

export interface ConvertedDir {
  dir: string;
  train: ConvertedFile;
  eval: ConvertedFile;
  /** `manifest.json`, when present (checked against its schema). */
  manifest: Manifest | null;
}

export const SPLIT_FILES: Record<SplitName, string> = {train: "train.json", eval: "eval.json"};

export function readConvertedDir(dir: string): ConvertedDir {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new UserError("is not a directory", {where: {file: dir}, fix: "Pass the folder holding train.json and eval.json (the convert command's output)."});
  }
  const missing = Object.values(SPLIT_FILES).filter((name) => !existsSync(join(root, name)));
  if (missing.length) {
    throw new UserError(
      `has no ${missing.join(" or ")}: DS-Chat's local/jsonfile needs both train.json and eval.json (it raises "Please check both the train.json and eval.json files...")`,
      {where: {file: root}, fix: "Run 'dschat-studio convert' to write them."}
    );
  }
  const manifest = readManifest(root, {required: false});
  return {dir: root, train: readLocalJsonFile(join(root, SPLIT_FILES.train), SPLIT_FILES.train), eval: readLocalJsonFile(join(root, SPLIT_FILES.eval), SPLIT_FILES.eval), manifest};
}

export function readLocalJsonFile(path: string, name: string): ConvertedFile {
  const bytes = readRegularFileSync(path, {maxBytes: bufferLimits.MAX_LENGTH, role: "input", what: "DS-Chat local/jsonfile data: JSON Lines of {prompt, chosen, rejected}"});
  const seen = new Set<string>();
  const rows: IdentifiedRow[] = [];
  // Where a row is, for its error message: built only on error (not for each of 100,000 rows).
  const add = (value: unknown, row: number, unit: "line" | "row") => {
    rows.push({id: `${name}:${row}`, row: toLocalJsonRow(value, () => ({file: path, [unit]: row}), seen)});
  };
  if (firstNonSpace(bytes) === "[") {
    let values: unknown;
    try {
      values = JSON.parse(bytes.toString("utf8"));
    } catch (error) {
      throw new UserError(`starts with "[" but is not one valid JSON array (${(error as Error).message})`, {where: {file: path}, fix: "Write one array of objects, or JSON Lines.", cause: error});
    }
    (values as unknown[]).forEach((value, i) => add(value, i + 1, "row"));
    return {path, name, format: "json-array", rows, missingColumns: LOCAL_JSON_KEYS.filter((key) => !seen.has(key))};
  }
  // Each line decoded on its own: one non-ASCII character would make a whole-file string two bytes per character
  // (slower to decode, parse and hash, twice the memory). A newline byte never occurs inside a UTF-8 sequence, so the
  // text is the same as decoding the file at once.
  for (let start = 0, i = 0; start < bytes.length; i++) {
    const newline = bytes.indexOf(NEWLINE, start);
    const end = newline === -1 ? bytes.length : newline;
    const line = bytes.toString("utf8", start, end);
    start = end + 1;
    if (!/\S/.test(line)) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new UserError(`not valid JSON (${(error as Error).message})`, {where: {file: path, line: i + 1}, fix: 'Each row must be one object {"prompt", "chosen", "rejected"} with string or null values, as \'dschat-studio convert\' writes them.', cause: error});
    }
    add(value, i + 1, "line");
  }
  return {path, name, format: "jsonl", rows, missingColumns: LOCAL_JSON_KEYS.filter((key) => !seen.has(key))};
}

const NEWLINE = 0x0a;
const PREFIX_BYTES = 1 << 16;

/** The file's first non-whitespace character (JavaScript's `\s`, BOM included), decoding only a prefix when that settles it. */
function firstNonSpace(bytes: Buffer): string | undefined {
  if (bytes.length > PREFIX_BYTES) {
    const prefix = bytes.toString("utf8", 0, PREFIX_BYTES);
    const found = prefix.match(/\S/);
    // A character cut at the prefix's end decodes as U+FFFD: trust only a match well before it.
    if (found && found.index! < prefix.length - 4) return found[0];
  }
  return bytes.toString("utf8").match(/\S/)?.[0];
}

function toLocalJsonRow(value: unknown, where: () => ErrorLocation, seen: Set<string>): LocalJsonRow {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new UserError('is not an object: DS-Chat reads each row\'s "prompt", "chosen" and "rejected" keys', {where: where(), fix: 'Rewrite the row as {"prompt": ..., "chosen": ..., "rejected": ...}.'});
  }
  const record = value as Record<string, unknown>;
  const field = (key: (typeof LOCAL_JSON_KEYS)[number]): string | null => {
    const text = record[key];
    if (text === undefined || text === null) return null;
    seen.add(key);
    if (typeof text !== "string") {
      throw new UserError(`"${key}" is ${JSON.stringify(text).slice(0, 60)}, not a string or null: DS-Chat's " " + sample["${key}"] would raise TypeError`, {where: where(), fix: "Store text (or null)."});
    }
    return text;
  };
  for (const key of LOCAL_JSON_KEYS) if (key in record) seen.add(key);
  return {prompt: field("prompt"), chosen: field("chosen"), rejected: field("rejected")};
}
