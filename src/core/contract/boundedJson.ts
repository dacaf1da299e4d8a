/**
 * The start of a value's compact JSON, computed without recursion and without serialising more than is shown: a record
 * nested 100,000 levels deep (which makes JSON.stringify overflow the stack) or one holding a 100 MB string gives its
 * first characters like any other. For excerpts of data in rejects files, messages and views. Isomorphic.
 */

type Frame = {array: unknown[]; index: number} | {object: Record<string, unknown>; keys: string[]; index: number};

/**
 * `JSON.stringify(value)` when that is at most `maxChars` code points long; otherwise its first `maxChars - 1` code
 * points and "…". Values JSON cannot hold print as JSON.stringify would print them (undefined in a list → null).
 */
export function boundedJson(value: unknown, maxChars: number): string {
  const budget = maxChars * 2 + 8; // UTF-16 units: enough for maxChars code points plus a margin for the cut
  const parts: string[] = [];
  let length = 0;
  const emit = (text: string) => {
    parts.push(text);
    length += text.length;
  };
  const stack: Frame[] = [];
  let next: unknown = value;
  let pending = true;
  while (length < budget) {
    if (pending) {
      pending = false;
      const item = next;
      if (item === null || item === undefined || typeof item === "function" || typeof item === "symbol") emit("null");
      else if (typeof item === "string") emit(JSON.stringify(item.length > budget ? item.slice(0, budget) : item));
      else if (typeof item === "number") emit(Number.isFinite(item) ? String(item) : "null");
      else if (typeof item === "boolean") emit(String(item));
      else if (typeof item === "bigint") emit(item.toString());
      else if (Array.isArray(item)) {
        emit("[");
        stack.push({array: item, index: 0});
      } else {
        const json = (item as {toJSON?: () => unknown}).toJSON;
        if (typeof json === "function") {
          next = json.call(item);
          pending = true;
          continue;
        }
        emit("{");
        const object = item as Record<string, unknown>;
        stack.push({object, keys: Object.keys(object).filter((key) => object[key] !== undefined && typeof object[key] !== "function"), index: 0});
      }
      continue;
    }
    const frame = stack[stack.length - 1];
    if (!frame) break;
    if ("array" in frame) {
      if (frame.index >= frame.array.length) {
        emit("]");
        stack.pop();
        continue;
      }
      if (frame.index > 0) emit(",");
      next = frame.array[frame.index++];
    } else {
      if (frame.index >= frame.keys.length) {
        emit("}");
        stack.pop();
        continue;
      }
      const key = frame.keys[frame.index++];
      emit(`${frame.index > 1 ? "," : ""}${JSON.stringify(key.length > budget ? key.slice(0, budget) : key)}:`);
      next = frame.object[key];
    }
    pending = true;
  }
  const complete = stack.length === 0 && !pending;
  const text = parts.join("");
  const chars = Array.from(text.length > budget ? text.slice(0, budget) : text);
  if (complete && chars.length <= maxChars) return text;
  return chars.slice(0, maxChars - 1).join("") + "…";
}
