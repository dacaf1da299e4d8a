/**
 * Writes one JSON document to a stream in pieces, waiting when the stream asks, so that a document with millions of
 * numbers (split's row lists) never sits in memory as one string. The output is what JSON.stringify would give, with
 * DEL, C1 controls and Unicode separators and bidi controls escaped too (the same JSON value; safe on a terminal).
 */
import type {Writable} from "node:stream";
import {escapeJsonText} from "./terminal.js";

const ARRAY_CHUNK = 65536;
const WRITE_BYTES = 1 << 16;

function* pieces(value: unknown): Generator<string> {
  if (Array.isArray(value)) {
    if (value.length <= ARRAY_CHUNK && value.every((item) => typeof item !== "object" || item === null)) {
      yield JSON.stringify(value);
      return;
    }
    yield "[";
    for (let i = 0; i < value.length; i += ARRAY_CHUNK) {
      const chunk = value.slice(i, i + ARRAY_CHUNK);
      if (chunk.every((item) => typeof item !== "object" || item === null)) yield (i ? "," : "") + JSON.stringify(chunk).slice(1, -1);
      else for (const [k, item] of chunk.entries()) yield* withSeparator(i + k > 0, item === undefined ? null : item);
    }
    yield "]";
    return;
  }
  if (value !== null && typeof value === "object" && !("toJSON" in value)) {
    yield "{";
    let first = true;
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined || typeof item === "function") continue;
      yield `${first ? "" : ","}${JSON.stringify(key)}:`;
      yield* pieces(item);
      first = false;
    }
    yield "}";
    return;
  }
  yield JSON.stringify(value) ?? "null";
}

function* withSeparator(separate: boolean, value: unknown): Generator<string> {
  if (separate) yield ",";
  yield* pieces(value);
}

export async function writeJson(stream: Writable, document: unknown): Promise<void> {
  let buffer = "";
  const flush = async () => {
    if (!stream.write(escapeJsonText(buffer))) await new Promise<void>((done) => stream.once("drain", () => done()));
    buffer = "";
  };
  for (const piece of pieces(document)) {
    buffer += piece;
    if (buffer.length >= WRITE_BYTES) await flush();
  }
  buffer += "\n";
  await flush();
}
