/**
 * What is on disk behind a plan's model paths: for each path that is a local folder, its file names and its config.json
 * `_name_or_path` — what DS-Chat's step-3 critic loader needs (one pytorch_model.bin, model_utils.py:149-152) and the
 * name its tokenizer loader tests instead of the path (utils.py:97-105). Paths that are not folders (Hub ids) are left out.
 */
import {existsSync, readdirSync, statSync} from "node:fs";
import {join, resolve} from "node:path";
import type {Plan} from "../../src/core/plan/normalizePlan.js";
import type {LocalModelFacts} from "../../src/core/report/stepPlanFacts.js";
import {readJsonFile} from "../readJsonFile.js";

/** config.json `_name_or_path` of a local checkpoint folder, or null (not a folder, no config.json, or no such key). */
function configNameOrPath(dir: string): string | null {
  const config = join(dir, "config.json");
  if (!existsSync(config)) return null;
  const json = readJsonFile(config, {option: "--model", what: "the model's config.json"}) as Record<string, unknown> | null;
  return typeof json?._name_or_path === "string" && json._name_or_path !== "" ? json._name_or_path : null;
}

const isDirectory = (path: string) => existsSync(path) && statSync(path).isDirectory();

/** The name DS-Chat's tokenizer loader tests for a model path: a local checkpoint's config.json `_name_or_path`, else the path. */
export function dschatTokenizerName(path: string, cwd: string): string {
  const dir = resolve(cwd, path);
  return (isDirectory(dir) && configNameOrPath(dir)) || path;
}

export function localModels(plan: Plan, cwd: string): Record<string, LocalModelFacts> {
  const paths = [plan.step1.model_name_or_path, plan.step2.model_name_or_path, plan.step3.actor_model_name_or_path, plan.step3.critic_model_name_or_path];
  const found: Record<string, LocalModelFacts> = {};
  for (const path of paths) {
    if (!path || path in found) continue;
    const dir = resolve(cwd, path);
    if (!isDirectory(dir)) continue;
    found[path] = {files: readdirSync(dir).sort(), nameOrPath: configNameOrPath(dir)};
  }
  return found;
}
