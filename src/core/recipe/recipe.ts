/**
 * A recipe: everything that decides a conversion's output except the input bytes themselves, which it pins by sha256.
 * The Datasets page downloads one for what it shows; `dschat-studio convert --recipe recipe.json` applies it to the
 * same files on disk and writes the same train.json and eval.json. Schema: schemas/recipe.schema.json.
 * Isomorphic: no Node or DOM imports.
 */
import {checkKeys, checkSchemaVersion, readArray, readChoice, readNumber, readObject, readString} from "../contract/jsonFields.js";
import {SCHEMA_VERSIONS, versioned} from "../contract/schemaVersions.js";
import {locate, UserError} from "../contract/userError.js";
import {findFormat} from "../formats/resolveAdapter.js";
import {parseMapping} from "../formats/parseMapping.js";
import {DEFAULT_REASONING, formatReasoningMarkers, parseReasoningMarkers, REASONING_MODES, type ReasoningOption} from "../formats/reasoning.js";
import {MAX_SEED} from "../split/mt19937.js";
import {validateFilter} from "./validateFilter.js";

export interface RecipeInput {
  /** The file's name, which row ids (and so the seeded eval draw) are made of. */
  source: string;
  bytes: number;
  sha256: string;
}

export interface Recipe {
  schema_version: (typeof SCHEMA_VERSIONS)["recipe"];
  tool: "dschat-studio";
  inputs: RecipeInput[];
  /** The format's id (`sharegpt-preference`, `dschat:Dahoas/rm-static`, …); null with `map`, or to detect it. */
  format: string | null;
  /** A `--map` specification; null when `format` names the format. */
  map: string | null;
  /** A WHERE condition over the canonical table (see validateFilter); null keeps every row. */
  filter: string | null;
  /** What to do with messages' reasoning parts, as `--reasoning` and `--reasoning-markers` (manifest.json's form). */
  reasoning: {mode: ReasoningOption["mode"]; markers: string};
  eval_ratio: number;
  seed: number;
}

const FIX = "Download the recipe again from the Datasets page, or fix the field (schemas/recipe.schema.json).";
const KEYS = ["schema_version", "tool", "inputs", "format", "map", "filter", "reasoning", "eval_ratio", "seed"];

export function recipeDocument(body: Omit<Recipe, "schema_version" | "tool">): Recipe {
  return versioned("recipe", {tool: "dschat-studio" as const, ...body});
}

const nullable = <T>(value: unknown, read: (value: unknown) => T): T | null => (value === null || value === undefined ? null : read(value));

/** Checks an untrusted recipe.json value; the caller adds the file to the error's location. */
export function parseRecipe(json: unknown): Recipe {
  const recipe = readObject(json, "recipe", FIX);
  checkSchemaVersion(recipe, SCHEMA_VERSIONS.recipe, "recipe.json", FIX);
  checkKeys(recipe, KEYS, "recipe", FIX);
  const inputs = readArray(recipe.inputs, "inputs", FIX).map((item, i): RecipeInput => {
    const input = readObject(item, `inputs[${i}]`, FIX);
    checkKeys(input, ["source", "bytes", "sha256"], `inputs[${i}]`, FIX);
    const sha256 = readString(input.sha256, `inputs[${i}].sha256`, FIX);
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new UserError(`must be 64 lower-case hex digits, got ${JSON.stringify(sha256)}`, {where: {field: `inputs[${i}].sha256`}, fix: FIX});
    return {source: readString(input.source, `inputs[${i}].source`, FIX), bytes: readNumber(input.bytes, `inputs[${i}].bytes`, FIX, {integer: true, min: 0}), sha256};
  });
  if (inputs.length === 0) throw new UserError("lists no input", {where: {field: "inputs"}, fix: FIX});
  const format = nullable(recipe.format, (value) => readString(value, "format", FIX));
  const map = nullable(recipe.map, (value) => readString(value, "map", FIX));
  if (format !== null && map !== null) throw new UserError("has both format and map; a recipe names the format or maps the columns", {where: {field: "map"}, fix: FIX});
  if (format !== null) locate({field: "format"}, () => findFormat(format));
  if (map !== null) locate({field: "map"}, () => parseMapping(map));
  const filter = nullable(recipe.filter, (value) => validateFilter(readString(value, "filter", FIX, {allowEmpty: true})));
  const reasoningObject = readObject(recipe.reasoning, "reasoning", FIX);
  checkKeys(reasoningObject, ["mode", "markers"], "reasoning", FIX);
  const reasoning = {mode: readChoice(reasoningObject.mode, "reasoning.mode", FIX, REASONING_MODES), markers: readString(reasoningObject.markers, "reasoning.markers", FIX)};
  locate({field: "reasoning.markers"}, () => parseReasoningMarkers(reasoning.markers, "reasoning.markers"));
  const evalRatio = readNumber(recipe.eval_ratio, "eval_ratio", FIX, {min: 0});
  if (evalRatio >= 1) throw new UserError(`must be below 1, got ${evalRatio}`, {where: {field: "eval_ratio"}, fix: FIX});
  const seed = readNumber(recipe.seed, "seed", FIX, {integer: true, min: 0});
  if (seed > MAX_SEED) throw new UserError(`must be at most ${MAX_SEED}, got ${seed}`, {where: {field: "seed"}, fix: FIX});
  return recipeDocument({inputs, format, map, filter, reasoning, eval_ratio: evalRatio, seed});
}

/** The reasoning setting of a conversion that used convert's default (the Datasets page always does). */
export const DEFAULT_RECIPE_REASONING: Recipe["reasoning"] = {mode: DEFAULT_REASONING.mode, markers: formatReasoningMarkers(DEFAULT_REASONING)};
