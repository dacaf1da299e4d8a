/**
 * Turns a `--model` value into a model path for DS-Chat plus its architecture: a registry name ("facebook/opt-1.3b",
 * "opt-1.3b"), a checkpoint directory holding config.json, or a config.json file (its directory becomes the model path).
 */
import {existsSync, readFileSync, statSync} from "node:fs";
import {basename, dirname, join, resolve} from "node:path";
import {findModel} from "../../src/core/models/findModel.js";
import type {ModelArchitecture} from "../../src/core/models/modelArchitecture.js";
import {modelFromConfig} from "../../src/core/models/modelFromConfig.js";
import {modelRegistry} from "../../src/core/models/modelRegistry.js";

export interface ResolvedModel {
  /** What DS-Chat gets as model_name_or_path. */
  modelPath: string;
  arch: ModelArchitecture;
  /** Where the architecture came from. */
  source: string;
}

export function readModelConfig(file: string): ModelArchitecture {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`, {cause: error});
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}); pass the model's config.json`, {cause: error});
  }
  const config = json as Record<string, unknown>;
  // DS-Chat checkpoints keep the original repo id in _name_or_path; it names the model better than the folder.
  const name = typeof config?._name_or_path === "string" && config._name_or_path ? config._name_or_path : dirname(file);
  return modelFromConfig(json, name);
}

export function resolveModelArg(value: string, cwd: string): ResolvedModel {
  const path = resolve(cwd, value);
  if (existsSync(path)) {
    const isDir = statSync(path).isDirectory();
    const file = isDir ? join(path, "config.json") : path;
    if (isDir && !existsSync(file)) throw new Error(`${value} is a directory without config.json; DS-Chat needs one there too (utils.load_hf_tokenizer reads it)`);
    const arch = readModelConfig(file);
    return {modelPath: isDir ? value : dirname(value) || ".", arch, source: `${isDir ? join(value, "config.json") : value}`};
  }
  const known = findModel(value);
  if (known) return {modelPath: value.includes("/") ? value : known.id, arch: known, source: `registry: ${known.source}`};
  throw new Error(
    `--model ${JSON.stringify(value)} is neither a file/directory nor a known model; pass a path to its config.json or one of: ${modelRegistry.map((m) => basename(m.id)).join(", ")}`
  );
}
