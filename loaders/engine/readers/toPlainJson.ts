import {Vector} from "apache-arrow";

/**
 * Turns what DuckDB (`getRowObjectsJS`) and apache-arrow hand back into plain JSON values, so format adapters see the
 * same shapes whatever the file format: BigInt → number when safe (else its decimal string), Date → ISO string,
 * bytes → base64, Arrow vectors/rows and typed arrays → arrays/objects, non-finite numbers → null.
 */
export function toPlainJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "bigint":
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
    case "object":
      break;
    default:
      return String(value);
  }
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number | bigint>, toPlainJson);
  if (value instanceof Map) return Object.fromEntries(Array.from(value, ([key, item]) => [String(key), toPlainJson(item)]));
  if (value instanceof Vector) return Array.from(value as Iterable<unknown>, toPlainJson);
  // apache-arrow StructRow/MapRow: toJSON gives a plain object whose values may still be Arrow values.
  const toJSON = (value as {toJSON?: () => unknown}).toJSON;
  if (typeof toJSON === "function") {
    const json = toJSON.call(value);
    if (json !== value) return toPlainJson(json);
  }
  return toPlainObject(value as Record<string, unknown>);
}

function toPlainObject(value: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(value)) result[key] = toPlainJson(value[key]);
  return result;
}
