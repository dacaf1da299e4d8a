import {UserError} from "../contract/userError.js";

/** A key of an object or an index into a list (negative counts from the end, -1 = last). */
export type PathSegment = string | number;

export const MAPPING_TARGETS = ["prompt", "chosen", "rejected", "system", "conversation"] as const;
export type MappingTarget = (typeof MAPPING_TARGETS)[number];

export interface Mapping {
  /** Where the prompt is (a string or a list of messages); absent when `conversation` is mapped instead. */
  prompt?: PathSegment[];
  chosen?: PathSegment[];
  rejected?: PathSegment[];
  system?: PathSegment[];
  /** A list of messages holding the prompt turns and, when it ends with an assistant turn and no chosen is mapped, the chosen answer. */
  conversation?: PathSegment[];
  /** The spec as written, for titles and messages. */
  spec: string;
}

const EXAMPLE = "prompt=question,chosen=answers[0],rejected=bad.text";

/** "answers[0].text" → ["answers", 0, "text"]; keys with dots or brackets go in quotes: ["a.b"]. */
export function parsePath(text: string, target: string): PathSegment[] {
  const path: PathSegment[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new UserError(`${target}=${text}: ${why} at character ${i + 1}`, {where: {option: "--map"}, fix: "Write keys separated by dots and list items as [n], e.g. answers[0].text."});
  };
  if (!text) throw new UserError(`${target}= has no path after "="`, {where: {option: "--map"}, fix: `Write the column after "=", e.g. ${target}=answer.`});
  while (i < text.length) {
    if (text[i] === "[") {
      const close = text.indexOf("]", i);
      if (close < 0) fail('"[" is never closed');
      const inside = text.slice(i + 1, close);
      if (/^-?\d+$/.test(inside)) path.push(Number(inside));
      else if (/^"(?:[^"\\]|\\.)*"$/.test(inside)) path.push(JSON.parse(inside) as string);
      else fail(`[${inside}] is neither an index nor a quoted key`);
      i = close + 1;
    } else {
      const start = i;
      while (i < text.length && !".[]".includes(text[i])) i++;
      if (i === start) fail(text[i] === "." ? "empty key" : `unexpected "${text[i]}"`);
      path.push(text.slice(start, i));
    }
    if (i < text.length) {
      if (text[i] === ".") {
        i++;
        if (i === text.length) fail("path ends with a dot");
      } else if (text[i] !== "[") fail(`unexpected "${text[i]}"`);
    }
  }
  return path;
}

export function formatPath(path: readonly PathSegment[]): string {
  return path.map((segment, i) => (typeof segment === "number" ? `[${segment}]` : /^[^.[\]"]+$/.test(segment) ? (i ? "." : "") + segment : `[${JSON.stringify(segment)}]`)).join("");
}

/** "prompt=question,chosen=answers[0],rejected=bad.text" → a Mapping. Errors quote the bad part and show the fix. */
export function parseMapping(spec: string): Mapping {
  const entries = spec.split(",").map((entry) => entry.trim()).filter(Boolean);
  if (!entries.length) throw new UserError("is empty", {where: {option: "--map"}, fix: `Write target=path pairs, e.g. --map ${EXAMPLE}.`});
  const mapping: Partial<Record<MappingTarget, PathSegment[]>> = {};
  for (const entry of entries) {
    const equals = entry.indexOf("=");
    if (equals < 0) throw new UserError(`entry "${entry}" has no "="`, {where: {option: "--map"}, fix: `Write target=path, e.g. prompt=${entry}.`});
    const target = entry.slice(0, equals).trim();
    if (!(MAPPING_TARGETS as readonly string[]).includes(target)) {
      throw new UserError(`target "${target}" is not one of ${MAPPING_TARGETS.join(", ")}`, {where: {option: "--map"}, fix: `Map prompt (or conversation), chosen, rejected or system, e.g. --map ${EXAMPLE}.`});
    }
    if (mapping[target as MappingTarget]) throw new UserError(`gives "${target}" twice`, {where: {option: "--map"}, fix: `Keep one ${target}=path.`});
    mapping[target as MappingTarget] = parsePath(entry.slice(equals + 1).trim(), target);
  }
  if (!mapping.prompt && !mapping.conversation) throw new UserError("has no prompt, and every row needs one", {where: {option: "--map"}, fix: `Map the prompt (or a conversation of messages) too, e.g. --map ${EXAMPLE}.`});
  if (mapping.prompt && mapping.conversation) throw new UserError("maps both prompt and conversation; the conversation already holds the prompt", {where: {option: "--map"}, fix: "Keep one of prompt= and conversation=."});
  return {...mapping, spec};
}

export type Resolved = {found: true; value: unknown} | {found: false; why: string};

/** Follows a path into a record; `why` says which step failed ("answers" has 0 items). */
export function resolvePath(record: unknown, path: readonly PathSegment[]): Resolved {
  let value = record;
  for (let step = 0; step < path.length; step++) {
    const segment = path[step];
    const at = formatPath(path.slice(0, step)) || "the record";
    if (typeof segment === "number") {
      if (!Array.isArray(value)) return {found: false, why: `${at} is not a list`};
      const index = segment < 0 ? value.length + segment : segment;
      if (index < 0 || index >= value.length) return {found: false, why: `${at} has ${value.length} items, so [${segment}] does not exist`};
      value = value[index];
    } else {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return {found: false, why: `${at} is not an object`};
      if (!(segment in value)) return {found: false, why: `${at} has no key "${segment}"`};
      value = (value as Record<string, unknown>)[segment];
    }
  }
  return {found: true, value};
}
