/**
 * Turns a `--model` value into a model path for DS-Chat plus its architecture: a registry name ("facebook/opt-1.3b",
 * "opt-1.3b"), a checkpoint directory holding config.json, or a config.json file (its directory becomes the model path).
 */
import {existsSync, statSync} from "node:fs";
import {basename, dirname, join, resolve} from "node:path";
import {didYouMean} from "../../src/core/contract/suggest.js";
import {locate, UserError} from "../../src/core/contract/userError.js";
import {findModel} from "../../src/core/models/findModel.js";
import type {ModelArchitecture} from "../../src/core/models/modelArchitecture.js";
import {modelFromConfig} from "../../src/core/models/modelFromConfig.js";
import {modelRegistry} from "../../src/core/models/modelRegistry.js";
import {readJsonFile} from "../readJsonFile.js";

export interface ResolvedModel {
  /** What DS-Chat gets as model_name_or_path. */
  modelPath: string;
  arch: ModelArchitecture;
  /** Where the architecture came from. */
  source: string;
}

export function readModelConfig(file: string, option = "--model"): ModelArchitecture {
  const json = readJsonFile(file, {option, what: "the model's config.json"});
  const config = json as Record<string, unknown>;
  // DS-Chat checkpoints keep the original repo id in _name_or_path; it names the model better than the folder.
  const name = typeof config?._name_or_path === "string" && config._name_or_path ? config._name_or_path : dirname(file);
  return locate({option, file}, () => modelFromConfig(json, name));
}

/** `option` is the flag the value came from (--model or --critic-model), for messages. */
export function resolveModelArg(value: string, cwd: string, option = "--model"): ResolvedModel {
  const path = resolve(cwd, value);
  if (existsSync(path)) {
    const isDir = statSync(path).isDirectory();
    const file = isDir ? join(path, "config.json") : path;
    if (isDir && !existsSync(file)) {
      throw new UserError("is a directory without config.json; DS-Chat needs one there too (utils.load_hf_tokenizer reads it)", {where: {option, file: value}, fix: "Pass a checkpoint folder holding config.json, or the config.json itself."});
    }
    const arch = readModelConfig(file, option);
    return {modelPath: isDir ? value : dirname(value) || ".", arch, source: `${isDir ? join(value, "config.json") : value}`};
  }
  const known = findModel(value);
  if (known) return {modelPath: value.includes("/") ? value : known.id, arch: known, source: `registry: ${known.source}`};
  const names = modelRegistry.map((m) => basename(m.id));
  throw new UserError(`${JSON.stringify(value)} is neither a file/directory nor a known model`, {
    where: {option},
    fix: `${didYouMean(basename(value), names)}Pass a path to its config.json, or one of: ${names.join(", ")}.`
  });
}
