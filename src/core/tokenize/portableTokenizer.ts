/**
 * A DsChatTokenizer as plain data (typed arrays, strings, numbers) for `postMessage`/`workerData`, so a worker gets a
 * ready encoder without reading tokenizer.json and building the library's tokenizer again (~0.35 s of CPU each).
 * Only tokenizers on the byte-level BPE encoder travel this way. Isomorphic: no Node or DOM imports.
 */
import {type ByteLevelBpeTables, encoderFromTables} from "./byteLevelBpeEncoder.js";
import type {DsChatTokenizer} from "./dschatTokenizer.js";

export type PortableTokenizer = Omit<DsChatTokenizer, "encode" | "encodeAfter" | "bpeTables"> & {bpeTables: ByteLevelBpeTables};

/** The tokenizer's data, or null when its encoder is the library's (rebuild that one from its files). */
export function toPortableTokenizer(tokenizer: DsChatTokenizer): PortableTokenizer | null {
  if (!tokenizer.bpeTables) return null;
  const {encode: _encode, encodeAfter: _encodeAfter, ...data} = tokenizer;
  return {...data, prefixIds: [...tokenizer.prefixIds], suffixIds: [...tokenizer.suffixIds], bpeTables: tokenizer.bpeTables};
}

export function fromPortableTokenizer(data: PortableTokenizer): DsChatTokenizer {
  const encoder = encoderFromTables(data.bpeTables);
  return {...data, encode: encoder.encode, encodeAfter: encoder.encodeAfter, bpeTables: encoder.tables};
}
