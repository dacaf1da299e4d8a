/**
 * A faster word cache for `@huggingface/tokenizers` 0.2's BPE model: ~35% less CPU per DS-Chat-length conversation, same
 * ids (test/tokenize.test.ts compares against an untouched tokenizer). Installed only when the model has the cache shape
 * it was written against, so a library update falls back to the stock code. Isomorphic: no Node or DOM imports.
 */
import type {Tokenizer} from "@huggingface/tokenizers";

const MAX_WORDS = 200_000;

/**
 * The BPE model caches results per word in a 10,000-word LRU that deletes and re-inserts the word on every hit; on long
 * conversations that bookkeeping was the largest single cost. A Map that empties itself when full gives the same results.
 */
export function speedUpTokenizer(tokenizer: Tokenizer): void {
  const model = tokenizer.model as unknown as {cache?: {get?: unknown; put?: unknown; clear?: unknown}} | null;
  if (!model?.cache || typeof model.cache.get !== "function" || typeof model.cache.put !== "function") return;
  const words = new Map<string, string[]>();
  model.cache = {
    get: (word: string) => words.get(word),
    put: (word: string, pieces: string[]) => {
      if (words.size >= MAX_WORDS) words.clear();
      words.set(word, pieces);
    },
    clear: () => words.clear()
  };
}
