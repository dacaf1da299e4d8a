/**
 * The split a source file stands for, from its name or folder (`train-00000-of-00002.parquet` → "train"), and whether
 * its rows belong in eval.json. The engine and the browser's upload worker name splits the same way.
 * Isomorphic: no Node or DOM imports.
 */
const SPLIT_NAME = /^(train|training|test|testing|validation|valid|val|eval|evaluation|dev)(?=$|[-_.])/i;
const EVAL_SPLITS = new Set(["test", "testing", "validation", "valid", "val", "eval", "evaluation", "dev"]);

/** Whether rows of this source split belong in eval.json rather than train.json. */
export function isEvalSplit(split: string | null): boolean {
  return split !== null && EVAL_SPLITS.has(split);
}

/**
 * `data/train-00000-of-00002.parquet` → "train"; `harmless-base/test.jsonl.gz` → "test"; `default/validation/0000.parquet`
 * → "validation". A file name may carry a suffix after the split name; a folder name must be exactly one.
 */
export function splitFromPath(source: string): string | null {
  const parts = source.split("/");
  const match = SPLIT_NAME.exec(parts[parts.length - 1]);
  if (match) return match[1].toLowerCase();
  for (let i = parts.length - 2; i >= 0; i--) {
    const folder = SPLIT_NAME.exec(parts[i]);
    if (folder && folder[0].length === parts[i].length) return folder[1].toLowerCase();
  }
  return null;
}
