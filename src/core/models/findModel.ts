/** Looks a model name up in the registry the way users type it: the repo id, or just its last part ("opt-1.3b"). */
import type {ModelArchitecture} from "./modelArchitecture.js";
import {modelRegistry} from "./modelRegistry.js";
import {UserError} from "../contract/userError.js";

export function findModel(name: string, registry: readonly ModelArchitecture[] = modelRegistry): ModelArchitecture | undefined {
  const wanted = name.trim().replace(/\/+$/, "").toLowerCase();
  const exact = registry.find((model) => model.id.toLowerCase() === wanted);
  if (exact) return exact;
  const tail = wanted.split("/").pop()!;
  return registry.find((model) => model.id.toLowerCase().split("/").pop() === tail);
}

/** Like findModel, but a miss is an error that lists what is known. */
export function requireModel(name: string, registry: readonly ModelArchitecture[] = modelRegistry): ModelArchitecture {
  const model = findModel(name, registry);
  if (model) return model;
  throw new UserError(`unknown model "${name}"`, {fix: `Pass a path to its config.json instead, or one of: ${registry.map((m) => m.id).join(", ")}.`});
}
