/**
 * Runs the real executable as a user would, with a time and a memory bound: the command is killed when it runs past
 * `timeoutMs`, and its peak resident memory (VmHWM, sampled from /proc while it runs) is returned, so a test can prove
 * that a special file neither hangs the CLI nor makes it grow. `prefix` runs it through another program (setpriv to an
 * unprivileged user, unshare for a private mount), which must exec the command in place.
 */
import {spawn} from "node:child_process";
import {readFile} from "node:fs/promises";
import {fileURLToPath} from "node:url";
import {root} from "./cli.js";

const bin = fileURLToPath(new URL("../../bin/dschat-studio.js", import.meta.url));

export interface BoundedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak resident memory in MiB, or null when /proc could not be read. */
  peakMiB: number | null;
  ms: number;
  timedOut: boolean;
}

export interface BoundedOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** A program (and its arguments) that execs the node command, e.g. ["setpriv", "--reuid=65534", …]. */
  prefix?: string[];
  /** Text written to the command's stdin (it is closed either way). */
  stdin?: string;
}

/** `node bin/dschat-studio.js ...args`, bounded. */
export function runBounded(args: readonly string[], options: BoundedOptions = {}): Promise<BoundedRun> {
  return runCommand([process.execPath, bin, ...args], options);
}

/** Any command line, bounded the same way. */
export function runCommand(argv: readonly string[], {env = {}, cwd = root, timeoutMs = 30_000, prefix = [], stdin}: BoundedOptions = {}): Promise<BoundedRun> {
  const [file, ...rest] = [...prefix, ...argv];
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(file, rest, {cwd, env: {...process.env, ...env}, stdio: ["pipe", "pipe", "pipe"]});
    let stdout = "";
    let stderr = "";
    let peakKiB: number | null = null;
    let timedOut = false;
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdin.on("error", () => undefined);
    child.stdin.end(stdin ?? "");
    const sample = async () => {
      const status = await readFile(`/proc/${child.pid}/status`, "utf8").catch(() => "");
      const match = /VmHWM:\s+(\d+) kB/.exec(status);
      if (match) peakKiB = Math.max(peakKiB ?? 0, Number(match[1]));
    };
    const sampler = setInterval(sample, 25);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (error) => {
      clearInterval(sampler);
      clearTimeout(timer);
      fail(error);
    });
    child.on("close", (code, signal) => {
      clearInterval(sampler);
      clearTimeout(timer);
      done({code, signal, stdout, stderr, peakMiB: peakKiB === null ? null : peakKiB / 1024, ms: performance.now() - started, timedOut});
    });
  });
}

/** A short description of a run for assertion messages. */
export function describeRun(run: BoundedRun): string {
  return `exit ${run.code ?? run.signal}${run.timedOut ? " (timed out)" : ""} after ${Math.round(run.ms)} ms, peak ${run.peakMiB?.toFixed(0) ?? "?"} MiB\nstderr: ${run.stderr.slice(0, 1500)}\nstdout: ${run.stdout.slice(0, 500)}`;
}

/** Whether this machine lets the tests switch to an unprivileged user (root with setpriv); the reason when not. */
export async function unprivilegedPrefix(): Promise<{prefix: string[]} | {skip: string}> {
  if (process.getuid?.() !== 0) return {skip: "not running as root, so every file the test makes is readable by the test itself"};
  const prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
  const probe = await runCommand([process.execPath, "-e", "process.exit(process.getuid() === 65534 ? 0 : 1)"], {prefix, timeoutMs: 10_000}).catch(() => null);
  if (probe?.code !== 0) return {skip: "setpriv to uid 65534 (nobody) is not available here"};
  // The unprivileged user runs this checkout's CLI: a private folder above it (e.g. `mktemp -d`, mode 0700) hides it.
  const reach = await runCommand([process.execPath, "-e", "require('node:fs').accessSync(process.argv[1], require('node:fs').constants.R_OK)", bin], {prefix, timeoutMs: 10_000}).catch(() => null);
  if (reach?.code !== 0) return {skip: `uid 65534 (nobody) cannot read ${bin}: a folder above this checkout is private; clone it under a folder others can enter to run these`};
  return {prefix};
}
