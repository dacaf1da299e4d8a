/** Loads DS-Chat's view of a tokenizer (see `src/core/tokenize/buildDsChatTokenizer.ts`) from files found by `resolveTokenizer`. */
import {buildDsChatTokenizer} from "../../src/core/tokenize/buildDsChatTokenizer.js";
import type {TokenizerConfigJson, TokenizerJson} from "../../src/core/tokenize/tokenizerJson.js";
import {byteLevelBpeTokenizerJson} from "../../src/core/tokenize/byteLevelBpeJson.js";
import type {DsChatTokenizer} from "../../src/core/tokenize/dschatTokenizer.js";
import type {TokenizerFiles} from "./resolveTokenizer.js";
import {UserError} from "../../src/core/contract/userError.js";
import {readRegularTextSync, TOKENIZER_MAX_BYTES} from "../fs/regularFile.js";
import {readJsonFile} from "../readJsonFile.js";

/** The model name DS-Chat's rules run on: the one given, else the one the tokenizer spec implies, else the spec itself. */
export function modelNameFor(files: TokenizerFiles, spec: string, modelName?: string | null): string {
  return modelName || files.impliedModelName || spec;
}

/** Built tokenizers by file and model name: building one (parsing tokenizer.json, the BPE merges) takes ~0.3 s. */
const loaded = new Map<string, DsChatTokenizer>();

/** `addEotToken`: DS-Chat's `--add_eot_token` with its token (see `buildDsChatTokenizer`). */
export function loadTokenizer(files: TokenizerFiles, modelName: string, addEotToken: string | null = null): DsChatTokenizer {
  const key = JSON.stringify([files.tokenizerJsonPath, files.vocabPath, files.tokenizerConfigPath, modelName, addEotToken]);
  let tokenizer = loaded.get(key);
  if (!tokenizer) loaded.set(key, (tokenizer = buildFromFiles(files, modelName, addEotToken)));
  return tokenizer;
}

function buildFromFiles(files: TokenizerFiles, modelName: string, addEotToken: string | null): DsChatTokenizer {
  const config = files.tokenizerConfigPath ? (readJson(files.tokenizerConfigPath) as TokenizerConfigJson) : null;
  let json: TokenizerJson;
  if (files.tokenizerJsonPath) {
    json = readJson(files.tokenizerJsonPath) as TokenizerJson;
    if (!json || typeof json !== "object" || !json.model) throw new UserError('is not a Hugging Face tokenizer.json (no "model" key)', {where: {file: files.tokenizerJsonPath}, fix: "Pass the tokenizer.json of a Hugging Face tokenizer."});
  } else {
    const specialTokensMap = files.specialTokensMapPath ? (readJson(files.specialTokensMapPath) as Record<string, unknown>) : null;
    json = byteLevelBpeTokenizerJson(readJson(files.vocabPath!) as Record<string, number>, readText(files.mergesPath!), config, specialTokensMap);
  }
  return buildDsChatTokenizer(json, config, {modelName, source: files.source, addEotToken});
}

function readText(path: string): string {
  return readRegularTextSync(path, {maxBytes: TOKENIZER_MAX_BYTES, option: "--tokenizer", what: "a tokenizer file"});
}

function readJson(path: string): unknown {
  return readJsonFile(path, {option: "--tokenizer", what: "a tokenizer file", maxBytes: TOKENIZER_MAX_BYTES});
}
