/**
 * The one rule for each kind of option value: whole numbers, decimals, shares, seeds, DS-Chat steps, data splits and
 * library versions.
 * Every command declares its options with these parsers, so `--seed 1e3` or `--max-seq-len 0` is refused the same way
 * everywhere, with a message naming the option as it was typed and an example of a good value. They run while the
 * command line is parsed, before any file is read.
 */
import type {Phase} from "../../src/core/canonical.js";
import {locate, UserError} from "../../src/core/contract/userError.js";
import {parseReasoningMarkers} from "../../src/core/formats/reasoning.js";
import {parseDataSplit} from "../../src/core/split/getSplitBoundaries.js";
import {MAX_SEED, validateSeed} from "../../src/core/split/mt19937.js";
import {parseVersion} from "../../src/core/plan/targetVersions.js";

/** Turns an option's text into its value, or throws a UserError; `option` is the flag as the user typed it. */
export type Parser<T> = (text: string, option: string) => T;

const WHOLE = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function refuse(option: string, text: string, what: string, fix: string): never {
  throw new UserError(`${JSON.stringify(text)} ${what}`, {where: {option}, fix});
}

/** A whole number written with digits only (no exponent, no decimal point), within [min, max]. */
export function integer({min, max, example}: {min?: number; max?: number; example: number}): Parser<number> {
  return (text, option) => {
    const value = Number(text);
    const range = max === undefined ? `${min ?? "any"} to ${Number.MAX_SAFE_INTEGER}` : `from ${min ?? "any"} to ${max}`;
    if (!WHOLE.test(text)) refuse(option, text, "is not a whole number", `Pass digits only, e.g. ${option} ${example}.`);
    if (!Number.isSafeInteger(value)) refuse(option, text, `is out of range (${range})`, `Pass e.g. ${option} ${example}.`);
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) refuse(option, text, `is out of range (${range})`, `Pass e.g. ${option} ${example}.`);
    return value;
  };
}

/** A decimal number (exponents allowed, as Python's float() reads them; no inf or nan), within the bounds. */
export function decimal({min, max, above, below, example}: {min?: number; max?: number; above?: number; below?: number; example: number}): Parser<number> {
  return (text, option) => {
    const value = Number(text);
    if (!DECIMAL.test(text) || !Number.isFinite(value)) refuse(option, text, "is not a number", `Pass e.g. ${option} ${example}.`);
    const bounds = [
      min !== undefined && value < min && `at least ${min}`,
      above !== undefined && !(value > above) && `above ${above}`,
      max !== undefined && value > max && `at most ${max}`,
      below !== undefined && !(value < below) && `below ${below}`
    ].filter(Boolean);
    if (bounds.length) refuse(option, text, `must be ${bounds.join(" and ")}`, `Pass e.g. ${option} ${example}.`);
    return value;
  };
}

/** A share of rows, from 0 to 1 (thresholds). */
export const share: Parser<number> = decimal({min: 0, max: 1, example: 0.05});

/**
 * A seed for numpy's RandomState: a whole number from 0 to 2^32 - 1. "None" (DS-Chat's step-3 default) is refused with
 * the reason: its split comes from OS entropy and cannot be reproduced.
 */
export const seed: Parser<number> = (text, option) => {
  if (text === "None") return locate({option}, () => validateSeed(null));
  return integer({min: 0, max: MAX_SEED, example: 1234})(text, option);
};

/** A DS-Chat step (1 SFT, 2 reward model, 3 PPO). */
export const step: Parser<Phase> = (text, option) => {
  if (text === "1" || text === "2" || text === "3") return Number(text) as Phase;
  return refuse(option, text, "is not a DS-Chat step", `Pass ${option} 1 (SFT), 2 (reward model) or 3 (PPO).`);
};

/** A DS-Chat step or "all" (the three chained), for `plan`. */
export const stepOrAll: Parser<Phase[]> = (text, option) => {
  if (text === "all") return [1, 2, 3];
  if (text === "1" || text === "2" || text === "3") return [Number(text) as Phase];
  return refuse(option, text, "is not a DS-Chat step", `Pass ${option} 1, 2, 3 or all.`);
};

/** DS-Chat's `--data_split` ("2,4,4"), checked by the same rule the split uses (`parseDataSplit`); kept as written, since DS-Chat's index file names contain it. */
export const dataSplit: Parser<string> = (text, option) => {
  locate({option}, () => parseDataSplit(text));
  return text;
};

/** Any non-empty text. */
export const text: Parser<string> = (value, option) => {
  if (value === "") refuse(option, value, "is empty", `Pass a value after ${option}.`);
  return value;
};

/** One of a fixed list of words. */
export function choice<T extends string>(choices: readonly T[]): Parser<T> {
  return (value, option) => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    return refuse(option, value, `is not one of ${choices.join(", ")}`, `Pass e.g. ${option} ${choices[0]}.`);
  };
}

/** Two markers "OPEN,CLOSE" (\n, \t, \\ and \, escapes), e.g. '<think>,</think>'; checked here, kept as written. */
export const markerPair: Parser<string> = (text, option) => {
  parseReasoningMarkers(text, option);
  return text;
};

/** A library version ("0.16.4", "4.48.3", "2.5.1+cu124") or "unknown" (null): a plan's target versions. */
export const version: Parser<string | null> = (text, option) => {
  if (text === "unknown") return null;
  if (!parseVersion(text)) refuse(option, text, "is not a version", `Pass e.g. ${option} 0.16.4, or ${option} unknown.`);
  return text.trim();
};
