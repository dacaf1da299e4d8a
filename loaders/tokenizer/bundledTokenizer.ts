/** The tokenizers shipped in npm packages (`gpt2`, `llama2`), as one JSON document for the browser's token worker. */
import {readFile} from "node:fs/promises";
import {resolveTokenizer, SHORT_NAMES} from "./resolveTokenizer.js";

export interface BundledTokenizerDocument {
  name: string;
  /** The `--model_name_or_path` it stands for (DS-Chat's rules key on it). */
  model_name: string;
  source: string;
  tokenizer: unknown;
  config: unknown | null;
}

export async function bundledTokenizerDocument(name: string): Promise<BundledTokenizerDocument> {
  const short = SHORT_NAMES[name];
  if (!short) throw new RangeError(`no bundled tokenizer '${name}'; bundled: ${Object.keys(SHORT_NAMES).join(", ")}`);
  const files = await resolveTokenizer(name);
  const read = async (path: string | null) => (path ? JSON.parse(await readFile(path, "utf8")) : null);
  return {name, model_name: short.modelName, source: files.source, tokenizer: await read(files.tokenizerJsonPath), config: await read(files.tokenizerConfigPath)};
}
