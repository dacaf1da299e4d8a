/**
 * A fast `encode` (ids, no special tokens) for byte-level BPE tokenizers without a normalizer (GPT-2, OPT, GPT-J): same ids as
 * `@huggingface/tokenizers` 0.2 (test/tokenize.test.ts compares them on fixture text), ~10× less CPU. The stock path
 * turns every word into its byte-level string and maps each piece through string Maps on every call; here a word is
 * looked up once in a cache of id arrays, and a cache miss runs BPE on ids with merge ranks in an integer hash table
 * (a linear scan for ordinary words, a heap for long ones).
 * Built only for the configurations it reproduces exactly; `null` otherwise, and the caller keeps the stock encoder.
 * Isomorphic: no Node or DOM imports.
 */
import type {TokenizerJson} from "./tokenizerJson.js";

/** The GPT-2 pre-tokenizer regex of `@huggingface/tokenizers`' ByteLevel (`use_regex: true`). */
const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
const WHITESPACE = /^\s$/u;
const MAX_CACHED_WORDS = 300_000;
/** Above this many symbols a word's quadratic merge scan costs more than a heap; such words are rare. */
const MAX_SCAN_SYMBOLS = 64;

export interface ByteLevelBpeEncoder {
  encode(text: string): number[];
  /**
   * `encode(prefix + suffix)` given `prefixIds = encode(prefix)`: reuses them when the join provably changes nothing
   * (no added token spans it, the prefix ends in a non-space and the suffix starts with whitespace, so the pre-tokenizer
   * splits there), else encodes the whole text.
   */
  encodeAfter(prefix: string, prefixIds: readonly number[], suffix: string): number[];
  /** What the encoder is built from; plain typed arrays and strings, cheap to send to a worker. */
  tables: ByteLevelBpeTables;
}

interface LibraryTokenizer {
  normalizer: unknown;
  remove_space?: unknown;
  do_lowercase_and_remove_accent?: unknown;
  model: {tokens_to_ids: Map<string, number>};
  added_tokens: {content: string; lstrip: boolean; rstrip: boolean; normalized: boolean}[];
}

/** GPT-2's `bytes_to_unicode`: printable bytes map to themselves, the rest to U+0100 onwards. */
function bytesToUnicode(): string[] {
  const table: string[] = new Array(256);
  let extra = 0;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    table[byte] = String.fromCharCode(printable ? byte : 256 + extra++);
  }
  return table;
}

/** Open-addressing hash table (left id, right id) → (rank, merged id) in typed arrays, so workers get it by structured clone. */
export interface ByteLevelBpeTables {
  /** Vocabulary id of each byte's byte-level character. */
  byteIds: Int32Array;
  left: Int32Array;
  right: Int32Array;
  rank: Int32Array;
  merged: Int32Array;
  /** Added tokens (split off before the pre-tokenizer) and their ids. */
  addedContents: string[];
  addedIds: number[];
}

function emptyTables(mergeCount: number): Omit<ByteLevelBpeTables, "byteIds" | "addedContents" | "addedIds"> {
  let capacity = 16;
  while (capacity < mergeCount * 2) capacity *= 2;
  return {left: new Int32Array(capacity).fill(-1), right: new Int32Array(capacity), rank: new Int32Array(capacity), merged: new Int32Array(capacity)};
}

/** Slot of the pair: where it is, or the empty slot where it would go. */
function slotOf(tables: Pick<ByteLevelBpeTables, "left" | "right">, left: number, right: number): number {
  const mask = tables.left.length - 1;
  let at = (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca77)) & mask;
  while (tables.left[at] !== -1 && (tables.left[at] !== left || tables.right[at] !== right)) at = (at + 1) & mask;
  return at;
}

/** The tables for a `@huggingface/tokenizers` Tokenizer built from `json`, or null where the fast encoder would differ. */
export function byteLevelBpeTables(tokenizer: unknown, json: TokenizerJson): ByteLevelBpeTables | null {
  const lib = tokenizer as LibraryTokenizer;
  const pre = json.pre_tokenizer as {type?: string; add_prefix_space?: boolean; use_regex?: boolean} | null | undefined;
  const model = json.model as {type?: string; merges?: unknown; end_of_word_suffix?: unknown; continuing_subword_suffix?: unknown; byte_fallback?: unknown; ignore_merges?: unknown} | undefined;
  if (json.normalizer != null || lib.normalizer != null || lib.remove_space === true || lib.do_lowercase_and_remove_accent) return null;
  if (pre?.type !== "ByteLevel" || pre.add_prefix_space === true || pre.use_regex === false) return null;
  if (model?.type !== "BPE" || !Array.isArray(model.merges) || model.end_of_word_suffix || model.continuing_subword_suffix || model.byte_fallback || model.ignore_merges) return null;
  if (!(lib.model?.tokens_to_ids instanceof Map) || !Array.isArray(lib.added_tokens) || lib.added_tokens.some((t) => t.lstrip || t.rstrip)) return null;

  const ids = lib.model.tokens_to_ids;
  const byteChars = bytesToUnicode();
  const byteIds = new Int32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    const id = ids.get(byteChars[byte]);
    if (id === undefined) return null; // a byte the vocabulary cannot spell: the library's unk handling applies
    byteIds[byte] = id;
  }
  const merges = (model.merges as unknown[]).map((merge) => (Array.isArray(merge) ? (merge as string[]) : String(merge).split(" ", 2)));
  const tables = emptyTables(merges.length);
  for (let rank = 0; rank < merges.length; rank++) {
    const [a, b] = merges[rank];
    const left = ids.get(a), right = ids.get(b), merged = ids.get(a + b);
    if (left === undefined || right === undefined || merged === undefined) return null;
    // A later duplicate overwrites the earlier rank, as in the library's `bpe_ranks` Map.
    const at = slotOf(tables, left, right);
    tables.left[at] = left;
    tables.right[at] = right;
    tables.rank[at] = rank;
    tables.merged[at] = merged;
  }
  const addedContents = lib.added_tokens.map((t) => t.content).filter((content) => content.length > 0);
  return {byteIds, ...tables, addedContents, addedIds: addedContents.map((content) => ids.get(content)!)};
}

export function byteLevelBpeEncoder(tokenizer: unknown, json: TokenizerJson): ByteLevelBpeEncoder | null {
  const tables = byteLevelBpeTables(tokenizer, json);
  return tables && encoderFromTables(tables);
}

/** Positions up to 2^24 fit beside a rank in one heap key. */
const POSITION_SPAN = 2 ** 24;

export function encoderFromTables(tables: ByteLevelBpeTables): ByteLevelBpeEncoder {
  const {byteIds, left: leftIds, rank: ranks, merged: mergedIds, addedContents} = tables;
  const addedIds = new Map(addedContents.map((content, i) => [content, tables.addedIds[i]]));
  const splitAdded = (text: string) => splitByIndexOf(text, addedContents);
  const textEncoder = new TextEncoder();
  const words = new Map<string, readonly number[]>();
  const find = (left: number, right: number) => {
    const at = slotOf(tables, left, right);
    return leftIds[at] === -1 ? -1 : at;
  };

  /** Lowest rank first, leftmost among equal ranks: the order the library's priority queue pops merges in. */
  const scanMerge = (symbols: number[]): number[] => {
    // slots[i]: the merge-table slot of the pair (symbols[i], symbols[i + 1]), -1 when it does not merge; only the two
    // pairs beside a merge change, so only those are looked up again.
    const slots: number[] = [];
    for (let i = 0; i + 1 < symbols.length; i++) slots.push(find(symbols[i], symbols[i + 1]));
    while (slots.length) {
      let bestRank = 0x7fffffff, bestAt = -1;
      for (let i = 0; i < slots.length; i++) if (slots[i] !== -1 && ranks[slots[i]] < bestRank) (bestRank = ranks[slots[i]], bestAt = i);
      if (bestAt === -1) break;
      symbols.splice(bestAt, 2, mergedIds[slots[bestAt]]);
      slots.splice(bestAt, 1);
      if (bestAt > 0) slots[bestAt - 1] = find(symbols[bestAt - 1], symbols[bestAt]);
      if (bestAt < slots.length) slots[bestAt] = find(symbols[bestAt], symbols[bestAt + 1]);
    }
    return symbols;
  };

  /** The same order for long words, in O(n log n): a heap of (rank, start position), stale entries skipped. */
  const heapMerge = (symbols: number[]): number[] => {
    const n = symbols.length;
    const next = Int32Array.from({length: n}, (_, i) => (i + 1 < n ? i + 1 : -1));
    const prev = Int32Array.from({length: n}, (_, i) => i - 1);
    const heap: number[] = [];
    const push = (position: number) => {
      const slot = next[position] === -1 ? -1 : find(symbols[position], symbols[next[position]]);
      if (slot === -1) return;
      let i = heap.push(ranks[slot] * POSITION_SPAN + position) - 1;
      while (i > 0 && heap[(i - 1) >> 1] > heap[i]) ([heap[i], heap[(i - 1) >> 1]] = [heap[(i - 1) >> 1], heap[i]], (i = (i - 1) >> 1));
    };
    const pop = () => {
      const top = heap[0], last = heap.pop()!;
      if (heap.length) {
        heap[0] = last;
        for (let i = 0; ; ) {
          const l = 2 * i + 1, r = l + 1;
          let m = i;
          if (l < heap.length && heap[l] < heap[m]) m = l;
          if (r < heap.length && heap[r] < heap[m]) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m], heap[i]];
          i = m;
        }
      }
      return top;
    };
    const alive = new Uint8Array(n).fill(1);
    for (let i = 0; i + 1 < n; i++) push(i);
    while (heap.length) {
      const key = pop();
      const position = key % POSITION_SPAN, rank = (key - position) / POSITION_SPAN;
      const right = next[position];
      if (!alive[position] || right === -1) continue;
      const slot = find(symbols[position], symbols[right]);
      if (slot === -1 || ranks[slot] !== rank) continue; // the pair changed since this entry was pushed
      symbols[position] = mergedIds[slot];
      alive[right] = 0;
      next[position] = next[right];
      if (next[right] !== -1) prev[next[right]] = position;
      push(position);
      if (prev[position] !== -1) push(prev[position]);
    }
    const out: number[] = [];
    for (let i = 0; i !== -1; i = next[i]) out.push(symbols[i]);
    return out;
  };

  const bpeWord = (word: string): number[] => {
    let symbols: number[] = [];
    for (let i = 0; i < word.length; i++) {
      const code = word.charCodeAt(i);
      if (code < 0x80) symbols.push(byteIds[code]);
      else {
        // Not ASCII: its UTF-8 bytes from the encoder (ASCII words, the common case, skip that allocation).
        const bytes = textEncoder.encode(word);
        symbols = new Array(bytes.length);
        for (let j = 0; j < bytes.length; j++) symbols[j] = byteIds[bytes[j]];
        break;
      }
    }
    return symbols.length > MAX_SCAN_SYMBOLS && symbols.length < POSITION_SPAN ? heapMerge(symbols) : scanMerge(symbols);
  };

  const encodeSection = (section: string, out: number[]) => {
    const added = addedIds.get(section);
    if (added !== undefined) {
      out.push(added);
      return;
    }
    const pieces = section.match(GPT2_PATTERN);
    if (!pieces) return;
    for (const word of pieces) {
      let wordIds = words.get(word);
      if (wordIds === undefined) {
        wordIds = bpeWord(word);
        if (words.size >= MAX_CACHED_WORDS) words.clear();
        words.set(word, wordIds);
      }
      for (let i = 0; i < wordIds.length; i++) out.push(wordIds[i]);
    }
  };

  const encodeInto = (text: string, out: number[]) => {
    if (addedContents.length === 0) encodeSection(text, out);
    else for (const section of splitAdded(text)) if (section.length) encodeSection(section, out);
    return out;
  };
  const encode = (text: string): number[] => encodeInto(text, []);

  /** Whether an occurrence of an added token starts in `prefix` and ends in `suffix`. */
  const spansAddedToken = (prefix: string, suffix: string) => {
    for (const content of addedContents) {
      if (content.length < 2) continue;
      const before = Math.min(prefix.length, content.length - 1);
      const at = (prefix.slice(prefix.length - before) + suffix.slice(0, content.length - 1)).indexOf(content);
      if (at !== -1 && at < before) return true;
    }
    return false;
  };

  const encodeAfter = (prefix: string, prefixIds: readonly number[], suffix: string): number[] => {
    const joinSafe = prefix.length > 0 && suffix.length > 0 && !WHITESPACE.test(prefix.slice(-1)) && WHITESPACE.test(suffix[0]) && !spansAddedToken(prefix, suffix);
    return joinSafe ? encodeInto(suffix, prefixIds.slice()) : encode(prefix + suffix);
  };

  return {encode, encodeAfter, tables};
}

/**
 * The library's DictionarySplitter (leftmost position, longest token there) with `indexOf`: no token starts before the
 * earliest occurrence of any token, so jumping there is the same as its character-by-character trie walk.
 */
export function splitByIndexOf(text: string, tokens: readonly string[]): string[] {
  const sections: string[] = [];
  // Each token's next occurrence at or after `start`, searched again only once `start` has passed it.
  const nextAt = tokens.map((token) => text.indexOf(token));
  let start = 0;
  for (;;) {
    let at = -1, token = "";
    for (let k = 0; k < tokens.length; k++) {
      if (nextAt[k] !== -1 && nextAt[k] < start) nextAt[k] = text.indexOf(tokens[k], start);
      const found = nextAt[k];
      if (found !== -1 && (at === -1 || found < at || (found === at && tokens[k].length > token.length))) (at = found, token = tokens[k]);
    }
    if (at === -1) break;
    if (at > start) sections.push(text.slice(start, at));
    sections.push(token);
    start = at + token.length;
  }
  if (start < text.length) sections.push(text.slice(start));
  return sections;
}
