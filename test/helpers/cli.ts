/**
 * The one way tests run the command line. `runCli` spawns the real executable (bin/dschat-studio.js, as a user runs it);
 * `runMain` calls `main` in this process with captured streams (same parsing, printing and exit codes, no start-up
 * cost) for the tests that run every command many times. Both return {code, stdout, stderr}; `json` parses stdout and
 * checks it against the command's schema.
 */
import {spawn} from "node:child_process";
import {Writable} from "node:stream";
import {fileURLToPath} from "node:url";
import {main} from "../../cli/main.js";
import type {SchemaName} from "../../src/core/contract/schemaVersions.js";
import {assertMatchesSchema} from "./schemas.js";

export const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = fileURLToPath(new URL("../../bin/dschat-studio.js", import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to the environment (e.g. DSCHAT_STUDIO_CACHE). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Spawns `node bin/dschat-studio.js ...args`. */
export function runCli(args: readonly string[], {env = {}, cwd = root}: CliOptions = {}): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], {cwd, env: {...process.env, ...env}});
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", fail);
    child.on("close", (code) => done({code: code ?? 1, stdout, stderr}));
  });
}

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

/** Runs `main(args)` in this process. */
export async function runMain(args: readonly string[], {env = {}, cwd = root}: CliOptions = {}): Promise<CliRun> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main([...args], {stdout, stderr, env: {...process.env, ...env}, cwd});
  return {code, stdout: stdout.text, stderr: stderr.text};
}

/** stdout as one JSON document that matches `schemas/<schema>.schema.json`; fails the test otherwise. */
export function json<T = any>(run: CliRun, schema: SchemaName): T {
  let document: unknown;
  try {
    document = JSON.parse(run.stdout);
  } catch (error) {
    throw new Error(`stdout is not one JSON document (exit ${run.code}): ${(error as Error).message}\nstdout: ${run.stdout.slice(0, 500)}\nstderr: ${run.stderr.slice(0, 2000)}`);
  }
  assertMatchesSchema(schema, document);
  return document as T;
}
