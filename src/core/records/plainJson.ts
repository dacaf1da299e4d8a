/**
 * Turns what DuckDB (`getRowObjectsJS`) and apache-arrow hand back into plain JSON values, so format adapters see the
 * same shapes whatever the file format and whichever side read it (Node's engine, the browser's upload worker): BigInt
 * → number when safe (else its decimal string), Date → ISO string, bytes → base64, Arrow vectors/rows and typed arrays
 * → arrays/objects, non-finite numbers → null. Isomorphic: the caller says what an Arrow vector is (each side has its
 * own apache-arrow module).
 */
export type IsArrowVector = (value: object) => boolean;

export function toPlainJsonWith(isVector: IsArrowVector): (value: unknown) => unknown {
  const convert = (value: unknown): unknown => {
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
    if (Array.isArray(value)) return value.map(convert);
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    if (value instanceof Uint8Array) return base64(value);
    if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number | bigint>, convert);
    if (value instanceof Map) return Object.fromEntries(Array.from(value, ([key, item]) => [String(key), convert(item)]));
    if (isVector(value)) return Array.from(value as Iterable<unknown>, convert);
    // apache-arrow StructRow/MapRow: toJSON gives a plain object whose values may still be Arrow values.
    const toJSON = (value as {toJSON?: () => unknown}).toJSON;
    if (typeof toJSON === "function") {
      const json = toJSON.call(value);
      if (json !== value) return convert(json);
    }
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(value)) result[key] = convert((value as Record<string, unknown>)[key]);
    return result;
  };
  return convert;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 with padding (RFC 4648), what Node's `Buffer.toString("base64")` writes. */
export function base64(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
  }
  if (i < bytes.length) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + (i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63] : "=") + "=";
  }
  return out;
}
