import {UserError} from "../../src/core/contract/userError.js";
import {splitFromPath} from "../../src/core/records/sourceSplit.js";
import type {InputFile} from "./inputs.js";

/**
 * A recipe pins its inputs by sha256. Each expected file must be among the inputs, found by its bytes whatever it is
 * called now; the inputs are put in the recipe's order and take the recipe's source names, because row ids (and so the
 * seeded eval draw) are made of them. Changes `inputs` and `hashes` in place.
 */
export function checkExpectedInputs(inputs: InputFile[], hashes: string[], expected: ReadonlyArray<{source: string; sha256: string}>): void {
  const fix = "Pass the files the recipe was made from (their sha256 is in recipe.json), and only those.";
  if (inputs.length !== expected.length) {
    throw new UserError(`the recipe names ${expected.length} input file${expected.length === 1 ? "" : "s"} (${expected.map((e) => e.source).join(", ")}) but ${inputs.length} were given`, {where: {option: "--recipe"}, fix});
  }
  const pairs = inputs.map((input, i) => ({input, hash: hashes[i]}));
  const ordered = expected.map(({source, sha256}) => {
    const index = pairs.findIndex((pair) => pair.hash === sha256);
    if (index === -1) {
      throw new UserError(`no given file has the bytes of ${source} (sha256 ${sha256.slice(0, 16)}…); the files given have ${pairs.map((pair) => `${pair.input.source} ${pair.hash.slice(0, 16)}…`).join(", ")}`, {where: {option: "--recipe"}, fix});
    }
    const [pair] = pairs.splice(index, 1);
    return {input: {...pair.input, source, split: splitFromPath(source)}, hash: pair.hash};
  });
  inputs.splice(0, inputs.length, ...ordered.map((pair) => pair.input));
  hashes.splice(0, hashes.length, ...ordered.map((pair) => pair.hash));
}
