import {detectFormat, UnknownFormatError, type Detection} from "./detectFormat.js";
import type {FormatAdapter} from "./formatAdapter.js";
import {FormatOptionError} from "./formatOptionError.js";
import {formats} from "./formats.js";
import {mappingAdapter} from "./mappingAdapter.js";
import {parseMapping} from "./parseMapping.js";

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
  throw new FormatOptionError(`unknown --format "${name}". Formats: ${Object.keys(registry).join(", ")}.`);
}

function detectionOrNull(sample: readonly unknown[]): Detection | null {
  try {
    return detectFormat(sample);
  } catch (error) {
    if (error instanceof UnknownFormatError) return null;
    throw error;
  }
}

/**
 * --map wins over detection, --format names the adapter, and otherwise detection picks it (throwing
 * UnknownFormatError when nothing fits). With --map or --format the detection is still returned when one fits, so a
 * caller can warn that the forced choice differs from what the data looks like.
 */
export function resolveAdapter(options: {format?: string; map?: string}, sample: readonly unknown[]): {adapter: FormatAdapter; detection: Detection | null} {
  if (options.format !== undefined && options.map !== undefined) {
    throw new FormatOptionError("--format and --map cannot be combined: --map already says where prompt, chosen and rejected are");
  }
  if (options.map !== undefined) return {adapter: mappingAdapter(parseMapping(options.map)), detection: detectionOrNull(sample)};
  if (options.format !== undefined) return {adapter: findFormat(options.format), detection: detectionOrNull(sample)};
  const detection = detectFormat(sample);
  return {adapter: formats[detection.format], detection};
}
