/**
 * What the reliability tests check about an output folder: that it is one complete `convert` output (every file,
 * manifest counts equal to the lines on disk), what its train.json holds, and which hidden siblings a run left beside it.
 */
import assert from "node:assert/strict";
import {existsSync, lstatSync, readdirSync, readFileSync, readlinkSync} from "node:fs";
import {basename, dirname} from "node:path";

export interface OutputFacts {
  train: string;
  eval: string;
  manifest: {counts: {read: number; train: number; eval: number; rejected: number}; cache_key: string};
}

/** Asserts that `out` holds one complete convert output and returns its contents. */
export function assertCompleteOutput(out: string, message = ""): OutputFacts {
  assert.ok(existsSync(out), `${out} exists ${message}`);
  const names = readdirSync(out).sort();
  assert.deepEqual(names.filter((name) => !name.startsWith(".")), ["eval.json", "manifest.json", "rejects.jsonl", "train.json"], `${out} holds the four outputs ${message}`);
  const train = readFileSync(`${out}/train.json`, "utf8");
  const evaluation = readFileSync(`${out}/eval.json`, "utf8");
  const manifest = JSON.parse(readFileSync(`${out}/manifest.json`, "utf8")) as OutputFacts["manifest"];
  assert.equal(lines(train), manifest.counts.train, `train.json lines = manifest count ${message}`);
  assert.equal(lines(evaluation), manifest.counts.eval, `eval.json lines = manifest count ${message}`);
  return {train, eval: evaluation, manifest};
}

function lines(text: string): number {
  return text === "" ? 0 : text.split("\n").length - 1;
}

/** Hidden entries beside `out` that belong to it (`.NAME.…`), other than the folder its link points to. */
export function leftoversBeside(out: string): string[] {
  const prefix = `.${basename(out)}.`;
  const current = lstatSync(out, {throwIfNoEntry: false})?.isSymbolicLink() ? basename(readlinkSync(out)) : null;
  return readdirSync(dirname(out)).filter((name) => name.startsWith(prefix) && name !== current).sort();
}
