/**
 * Special files for every option that takes a file, in every command (issue 9, class 7): a FIFO, /dev/zero, a link to
 * /dev/zero, a socket, a process substitution and a /proc file, each given where a data file, a JSON file, a tokenizer
 * or a converted folder's train.json is expected. Each case runs the real executable with a time bound (it must not
 * hang) and a memory bound (it must not read forever), and must exit 2 at once saying what the path is.
 */
import assert from "node:assert/strict";
import {execFileSync} from "node:child_process";
import {copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from "node:fs";
import {createServer, type Server} from "node:net";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, it} from "node:test";
import {describeRun, runBounded, runCommand, type BoundedRun} from "../helpers/bounded.js";
import {root, runMain} from "../helpers/cli.js";

const temp = mkdtempSync(join(tmpdir(), "reliability-special-"));
const env = {DSCHAT_STUDIO_CACHE: join(temp, "cache")};
const TIME_LIMIT_MS = 30_000;
const MEMORY_LIMIT_MIB = 800;
let server: Server;

const fifo = join(temp, "pipe.json");
const socket = join(temp, "socket.json");
const zeroLink = join(temp, "zero.json");
const converted = join(temp, "converted");
const NOT_REGULAR = /is (a pipe|a character device|a socket)[^\n]*, not a regular file/;

/** A converted folder (train.json, eval.json, manifest.json) with one of its files replaced by `special`. */
function convertedWith(name: string, file: string, special: string): string {
  const dir = join(temp, `converted-${name}`);
  mkdirSync(dir);
  for (const each of ["train.json", "eval.json", "manifest.json"]) {
    if (each === file) symlinkSync(special, join(dir, each));
    else copyFileSync(join(converted, each), join(dir, each));
  }
  return dir;
}

before(async () => {
  execFileSync("mkfifo", [fifo]);
  symlinkSync("/dev/zero", zeroLink);
  server = createServer();
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  assert.equal((await runMain(["convert", "test/fixtures/llama-factory/identity.json", "--out", converted], {env})).code, 0);
  mkdirSync(join(temp, "data-with-fifo"));
  copyFileSync("test/fixtures/llama-factory/identity.json", join(temp, "data-with-fifo", "a.json"));
  execFileSync("mkfifo", [join(temp, "data-with-fifo", "b.jsonl")]);
  mkdirSync(join(temp, "tokenizer-with-fifo"));
  execFileSync("mkfifo", [join(temp, "tokenizer-with-fifo", "tokenizer.json")]);
});
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(temp, {recursive: true, force: true});
});

function assertRefusedAtOnce(run: BoundedRun, pattern: RegExp): void {
  assert.equal(run.timedOut, false, `it must not hang: ${describeRun(run)}`);
  assert.equal(run.code, 2, describeRun(run));
  assert.match(run.stderr, pattern, describeRun(run));
  assert.ok(run.peakMiB === null || run.peakMiB < MEMORY_LIMIT_MIB, `it must not grow: ${describeRun(run)}`);
}

/** [what, argv, what stderr must say] for every file-taking option of every command (argv built when the case runs). */
function cases(): Array<[string, string[] | (() => string[]), RegExp]> {
  const specials: Array<[string, string]> = [["a FIFO", fifo], ["/dev/zero", "/dev/zero"], ["a link to /dev/zero", zeroLink], ["a socket", socket]];
  const list: Array<[string, string[] | (() => string[]), RegExp]> = [];
  for (const [name, path] of specials) {
    list.push([`inspect <${name}>`, ["inspect", path], NOT_REGULAR]);
    list.push([`convert <${name}>`, ["convert", path, "--out", join(temp, "never")], NOT_REGULAR]);
  }
  for (const [name, path] of specials.slice(0, 3)) {
    const option = (flag: string) => new RegExp(`${flag} ${path.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: ${NOT_REGULAR.source}`);
    list.push([`plan --from ${name}`, ["plan", "--from", path], option("--from")]);
    list.push([`plan --catalog ${name}`, ["plan", "--catalog", path], option("--catalog")]);
    list.push([`plan --stats ${name}`, ["plan", "--model", "opt-125m", "--stats", path], option("--stats")]);
    list.push([`plan --model ${name}`, ["plan", "--model", path], option("--model")]);
    list.push([`plan --critic-model ${name}`, ["plan", "--step", "3", "--model", "opt-125m", "--critic-model", path], option("--critic-model")]);
    list.push([`lint --plan ${name}`, ["lint", converted, "--plan", path], option("--plan")]);
    list.push([`lint --tokenizer ${name}`, ["lint", converted, "--tokenizer", path], option("--tokenizer")]);
    list.push([`stats --tokenizer ${name}`, ["stats", converted, "--tokenizer", path], option("--tokenizer")]);
  }
  list.push(["stats <dir> whose train.json links to /dev/zero", () => ["stats", convertedWith("zero-train", "train.json", "/dev/zero"), "--tokenizer", "gpt2"], /train\.json: is a character device/]);
  list.push(["lint <dir> whose eval.json is a FIFO", () => ["lint", convertedWith("fifo-eval", "eval.json", fifo)], /eval\.json: is a pipe/]);
  list.push(["lint <dir> whose manifest.json links to /dev/zero", () => ["lint", convertedWith("zero-manifest", "manifest.json", "/dev/zero")], /manifest\.json: is a character device/]);
  list.push(["plan --data <dir> whose manifest.json links to /dev/zero", () => ["plan", "--model", "opt-125m", "--data", convertedWith("zero-data", "manifest.json", "/dev/zero")], /manifest\.json: is a character device/]);
  list.push(["stats --tokenizer <folder whose tokenizer.json is a FIFO>", ["stats", converted, "--tokenizer", join(temp, "tokenizer-with-fifo")], /--tokenizer .*tokenizer\.json: is a pipe/]);
  list.push(["convert <folder holding a FIFO named b.jsonl>", ["convert", join(temp, "data-with-fifo"), "--out", join(temp, "never")], /data-with-fifo\/b\.jsonl: is a pipe/]);
  list.push(["convert --out <a FIFO>", ["convert", "test/fixtures/llama-factory/identity.json", "--out", fifo], /--out .*pipe\.json: is a file, not a folder; refusing to replace it/]);
  list.push(["split --npy <a FIFO>", ["split", "--size", "100", "--seed", "1", "--data_split", "10,0,0", "--step", "1", "--npy", fifo], /--npy .*pipe\.json: index files cannot be written/]);
  list.push(["convert </proc/self/status> (a size of 0 that is not empty)", ["convert", "/proc/self/status", "--out", join(temp, "never")], /reports a size of 0 bytes but is not empty/]);
  list.push(["plan --catalog </proc/self/status> (read with its bound)", ["plan", "--catalog", "/proc/self/status"], /--catalog \/proc\/self\/status: is not valid JSON/]);
  list.push(["plan --from /dev/null (empty)", ["plan", "--from", "/dev/null"], /--from \/dev\/null: is a character device/]);
  return list;
}

describe("every option that takes a file refuses a special file at once", {concurrency: 4}, () => {
  for (const [name, args, pattern] of cases()) {
    it(name, async () => assertRefusedAtOnce(await runBounded(typeof args === "function" ? args() : args, {env, timeoutMs: TIME_LIMIT_MS}), pattern));
  }
  it("inspect <(process substitution)", async () => {
    const bin = join(root, "bin", "dschat-studio.js");
    const run = await runCommand(["bash", "-c", `exec "${process.execPath}" "${bin}" inspect <(cat test/fixtures/llama-factory/identity.json)`], {env, timeoutMs: TIME_LIMIT_MS});
    assertRefusedAtOnce(run, /\/dev\/fd\/\d+: is a pipe \(a FIFO, or a process substitution such as <\(cat file\)\), not a regular file/);
    assert.match(run.stderr, /fix: Save the data to a regular file first/);
  });
  it("convert /dev/stdin with data piped in (a pipe or socket)", async () => {
    const run = await runBounded(["convert", "/dev/stdin", "--out", join(temp, "never")], {env, timeoutMs: TIME_LIMIT_MS, stdin: '{"instruction":"a","output":"b"}\n'});
    // Node gives a child's stdin as a socket pair; a shell pipe would make it a FIFO: both are refused.
    assertRefusedAtOnce(run, /\/dev\/stdin: is (a pipe|a socket)/);
  });
});
