import {didYouMean} from "../contract/suggest.js";
import {UserError} from "../contract/userError.js";
import {detectFormat, type Detection} from "./detectFormat.js";
import type {FormatAdapter} from "./formatAdapter.js";
import {formats} from "./formats.js";
import {mappingAdapter} from "./mappingAdapter.js";
import {parseMapping} from "./parseMapping.js";
import {UNKNOWN_FORMAT} from "./detectFormat.js";

/**
 * A --format value to an adapter: the exact id; a built-in's dataset name without the "dschat:" prefix; or, like
 * DS-Chat's own dispatch, any path that contains a built-in's name ("./data/Dahoas/rm-static" → dschat:Dahoas/rm-static),
 * first match in DS-Chat's order.
 */
export function findFormat(name: string, registry: Record<string, FormatAdapter> = formats): FormatAdapter {
  const exact = registry[name] ?? registry[`dschat:${name}`] ?? Object.values(registry).find((adapter) => adapter.name.toLowerCase() === name.toLowerCase());
  if (exact) return exact;
  const builtin = Object.values(registry).find((adapter) => adapter.name.startsWith("dschat:") && name.includes(adapter.name.slice("dschat:".length)));
  if (builtin) return builtin;
  throw new UserError(`unknown format "${name}"`, {where: {option: "--format"}, fix: `${didYouMean(name, Object.keys(registry))}Formats: ${Object.keys(registry).join(", ")}.`});
}

function detectionOrNull(sample: readonly unknown[]): Detection | null {
  try {
    return detectFormat(sample);
  } catch (error) {
    if (error instanceof UserError && error.code === UNKNOWN_FORMAT) return null;
    throw error;
  }
}

/**
 * The adapter --format or --map names, or null when neither is given (detection decides). Needs no data, so callers
 * run it before reading any input: a bad --format or --map fails before a single byte is hashed.
 */
export function forcedAdapter(options: {format?: string; map?: string}): FormatAdapter | null {
  if (options.format !== undefined && options.map !== undefined) {
    throw new UserError("--format and --map cannot be combined: --map already says where prompt, chosen and rejected are", {where: {option: "--map"}, fix: "Pass one of them."});
  }
  if (options.map !== undefined) return mappingAdapter(parseMapping(options.map));
  if (options.format !== undefined) return findFormat(options.format);
  return null;
}

/**
 * --map wins over detection, --format names the adapter, and otherwise detection picks it (throwing a UserError with
 * code "unknown-format" when nothing fits). With --map or --format the detection is still returned when one fits, so a
 * caller can warn that the forced choice differs from what the data looks like.
 */
export function resolveAdapter(options: {format?: string; map?: string}, sample: readonly unknown[], forced = forcedAdapter(options)): {adapter: FormatAdapter; detection: Detection | null} {
  if (forced) return {adapter: forced, detection: detectionOrNull(sample)};
  const detection = detectFormat(sample);
  return {adapter: formats[detection.format], detection};
}
