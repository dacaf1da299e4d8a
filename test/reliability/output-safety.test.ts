/**
 * Never lose a user's file: what `--out` may replace (issue 9, classes 1, 2, 3 and 12), with real folders and real
 * processes. A folder is replaced only when it provably is an unchanged output of the same command; outputs are copies
 * that share no inode with each other or with the cache; a run never reads its own output back; symbolic links in
 * input folders are followed, once each.
 */
import assert from "node:assert/strict";
import {copyFileSync, cpSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync, writeSync, closeSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, describe, it} from "node:test";
import {replaceOutputDir} from "../../loaders/fs/outputDir.js";
import {json, runCli, runMain} from "../helpers/cli.js";
import {assertCompleteOutput, leftoversBeside} from "../helpers/outputs.js";

const temp = mkdtempSync(join(tmpdir(), "reliability-out-"));
after(() => rmSync(temp, {recursive: true, force: true}));
const IDENTITY = "test/fixtures/llama-factory/identity.json";
let runs = 0;
const freshEnv = () => ({DSCHAT_STUDIO_CACHE: join(temp, `cache-${++runs}`)});

/** Every path under `dir` with its content (files), its target (links) or "dir", to prove nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (path: string, name: string) => {
    const info = lstatSync(path);
    if (info.isSymbolicLink()) result[name] = `-> ${readlinkSync(path)}`;
    else if (info.isDirectory()) {
      result[name] = "dir";
      for (const entry of readdirSync(path)) walk(join(path, entry), `${name}/${entry}`);
    } else result[name] = readFileSync(path, "utf8");
  };
  walk(dir, ".");
  return result;
}

/** Overwrites bytes in place (what `dd conv=notrunc` does) and puts the modification time back. */
function editInPlace(path: string, offset: number, text: string): void {
  const {atime, mtime} = statSync(path);
  const fd = openSync(path, "r+");
  writeSync(fd, Buffer.from(text), 0, Buffer.byteLength(text), offset);
  closeSync(fd);
  utimesSync(path, atime, mtime);
}

async function convert(args: string[], env: NodeJS.ProcessEnv) {
  return runMain(["convert", ...args], {env});
}

describe("convert --out refuses what is not provably its own unchanged output", () => {
  const cases: Array<[string, (out: string, env: NodeJS.ProcessEnv) => Promise<void> | void, RegExp]> = [
    ["a folder with a stray manifest.json and a src/ folder (the issue's example)", (out) => {
      mkdirSync(join(out, "src"), {recursive: true});
      writeFileSync(join(out, "manifest.json"), "{}\n");
      writeFileSync(join(out, "src", "a.js"), "x\n");
    }, /is not a dschat-studio convert output \(it holds manifest\.json, src\); refusing to replace it/],
    ["a folder with only an empty manifest.json", (out) => {
      mkdirSync(out);
      writeFileSync(join(out, "manifest.json"), "{}\n");
    }, /refusing to replace it/],
    ["the four output files plus a user's notes", async (out, env) => {
      const source = join(temp, `source-${runs}`);
      assert.equal((await convert([IDENTITY, "--out", source], env)).code, 0);
      mkdirSync(out);
      for (const name of ["train.json", "eval.json", "rejects.jsonl", "manifest.json"]) copyFileSync(join(source, name), join(out, name));
      writeFileSync(join(out, "notes.txt"), "mine\n");
    }, /holds .*notes\.txt.*; refusing to replace it/],
    ["its own output with a file added", async (out, env) => {
      assert.equal((await convert([IDENTITY, "--out", out], env)).code, 0);
      writeFileSync(join(out, "notes.txt"), "mine\n");
    }, /holds notes\.txt, which dschat-studio did not write; refusing to replace it/],
    ["its own output with train.json edited in place and its time put back", async (out, env) => {
      assert.equal((await convert([IDENTITY, "--out", out], env)).code, 0);
      editInPlace(join(out, "train.json"), 12, "EDITED");
    }, /was changed since it was written: train\.json has other bytes than were written/],
    ["its own output with a file truncated", async (out, env) => {
      assert.equal((await convert([IDENTITY, "--out", out], env)).code, 0);
      writeFileSync(join(out, "eval.json"), "");
    }, /eval\.json has 0 bytes, not the \d+ written/],
    ["a symbolic link to a user's folder", (out) => {
      const mine = `${out}-mine`;
      mkdirSync(mine);
      writeFileSync(join(mine, "keep.txt"), "keep\n");
      symlinkSync(mine, out);
    }, /is a symbolic link to .*-mine, not one dschat-studio made/],
    ["a file", (out) => writeFileSync(out, "a file\n"), /is a file, not a folder/]
  ];
  for (const [name, prepare, refusal] of cases) {
    it(`refuses ${name}, changing nothing`, async () => {
      const env = freshEnv();
      const parent = join(temp, `refuse-${runs}`);
      mkdirSync(parent);
      const out = join(parent, "w");
      await prepare(out, env);
      const before = snapshot(parent);
      const run = await convert([IDENTITY, "--out", out], env);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, refusal);
      assert.match(run.stderr, /fix: /);
      assert.deepEqual(snapshot(parent), before, "every file and folder is as it was");
    });
  }
});

describe("convert --out replaces nothing, an empty folder, its own output and an older version's output", () => {
  it("writes a link to a complete hidden version folder, and leaves no other version behind", async () => {
    const env = freshEnv();
    const out = join(temp, "replace", "w");
    mkdirSync(out, {recursive: true}); // empty
    const first = json(await convert([IDENTITY, "--out", out, "--json"], env), "convert");
    assert.equal(first.rows_read, 91);
    assert.ok(lstatSync(out).isSymbolicLink(), "--out is a link to its version folder");
    assert.match(readlinkSync(out), /^\.w\.dschat-\d+-[0-9a-f]{8}$/);
    const firstTarget = readlinkSync(out);
    assertCompleteOutput(out);
    const same = json(await convert([IDENTITY, "--out", out, "--json"], env), "convert");
    assert.equal(same.cache_hit, true);
    assert.equal(readlinkSync(out), firstTarget, "the same output, unchanged, is not written again");
    const second = json(await convert(["test/fixtures/llama-factory/alpaca_en_demo.json", "--out", out, "--json"], env), "convert");
    assert.equal(second.rows_read, 999);
    assert.notEqual(readlinkSync(out), firstTarget);
    assert.equal(assertCompleteOutput(out).manifest.counts.read, 999);
    assert.deepEqual(leftoversBeside(out), [], "the replaced version folder is gone");
  });
  it("replaces an output folder written by an older version (a real folder of the four files), once", async () => {
    const env = freshEnv();
    const source = join(temp, "legacy-source");
    assert.equal((await convert([IDENTITY, "--out", source], env)).code, 0);
    const out = join(temp, "legacy", "w");
    mkdirSync(out, {recursive: true});
    for (const name of ["train.json", "eval.json", "rejects.jsonl", "manifest.json"]) copyFileSync(join(source, name), join(out, name));
    const run = await convert(["test/fixtures/llama-factory/alpaca_en_demo.json", "--out", out], env);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(lstatSync(out).isSymbolicLink());
    assert.equal(assertCompleteOutput(out).manifest.counts.read, 999);
    assert.deepEqual(leftoversBeside(out), []);
  });
  it("plan --out: replaces its own older folder, refuses a folder holding a user's run.sh", async () => {
    const out = join(temp, "plan-out");
    assert.equal((await runMain(["plan", "--model", "opt-125m", "--out", out])).code, 0);
    assert.ok(lstatSync(out).isSymbolicLink());
    const legacy = join(temp, "plan-legacy");
    cpSync(`${out}/`, legacy, {recursive: true});
    rmSync(join(legacy, ".dschat-studio.json"));
    assert.equal((await runMain(["plan", "--model", "opt-350m", "--out", legacy])).code, 0, "an older plan --out folder is replaced");
    assert.match(readFileSync(join(legacy, "plan.json"), "utf8"), /opt-350m/);
    const users = join(temp, "plan-users");
    mkdirSync(users);
    writeFileSync(join(users, "run.sh"), "#!/bin/sh\necho my own script\n");
    const before = snapshot(users);
    const refused = await runMain(["plan", "--model", "opt-125m", "--out", users]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--out .*plan-users: already exists and is not a dschat-studio plan output \(it holds run\.sh\); refusing to replace it/);
    assert.deepEqual(snapshot(users), before);
  });
});

describe("replaceOutputDir on a file system without symbolic links (symlinks: false)", () => {
  it("swaps real folders, replaces only its own unchanged output, and leaves nothing beside it", async () => {
    const out = join(temp, "no-links", "w");
    const spec = (text: string) => ({kind: "test", files: ["a.txt"], symlinks: false, write: async (dir: string) => writeFileSync(join(dir, "a.txt"), text)});
    await replaceOutputDir(out, spec("first\n"));
    assert.ok(lstatSync(out).isDirectory() && !lstatSync(out).isSymbolicLink());
    await replaceOutputDir(out, spec("second\n"));
    assert.equal(readFileSync(join(out, "a.txt"), "utf8"), "second\n");
    assert.deepEqual(leftoversBeside(out), []);
    writeFileSync(join(out, "mine.txt"), "mine\n");
    await assert.rejects(replaceOutputDir(out, spec("third\n")), /holds mine\.txt, which dschat-studio did not write; refusing to replace it/);
    assert.equal(readFileSync(join(out, "a.txt"), "utf8"), "second\n");
  });
});

describe("outputs are copies: no edit of one output reaches another output or the cache", () => {
  it("shares no inode, and an in-place edit with the time put back changes neither the other output nor what the cache serves", async () => {
    const env = freshEnv();
    const [a, b, c] = ["a", "b", "c"].map((name) => join(temp, "copies", name));
    const first = json(await convert([IDENTITY, "--out", a, "--json"], env), "convert");
    const second = json(await convert([IDENTITY, "--out", b, "--json"], env), "convert");
    assert.deepEqual([first.cache_hit, second.cache_hit], [false, true]);
    const entry = join(env.DSCHAT_STUDIO_CACHE!, "convert", assertCompleteOutput(a).manifest.cache_key);
    const inodes = (dir: string) => ["train.json", "eval.json", "rejects.jsonl", "manifest.json"].map((name) => statSync(join(dir, name)).ino);
    const all = [...inodes(a), ...inodes(b), ...inodes(entry)];
    assert.equal(new Set(all).size, all.length, "12 files, 12 inodes");
    const original = readFileSync(join(b, "train.json"), "utf8");
    editInPlace(join(a, "train.json"), 12, "EDITED");
    assert.equal(readFileSync(join(b, "train.json"), "utf8"), original, "the other output is untouched");
    assert.equal(readFileSync(join(entry, "train.json"), "utf8"), original, "the cache is untouched");
    const third = json(await convert([IDENTITY, "--out", c, "--json"], env), "convert");
    assert.equal(third.cache_hit, true);
    assert.equal(readFileSync(join(c, "train.json"), "utf8"), original, "the cache serves the original rows");
  });
  it("an in-place edit of the cache itself (time put back) is caught: the entry is rebuilt, not served", async () => {
    const env = freshEnv();
    const a = join(temp, "cache-edit", "a");
    json(await convert([IDENTITY, "--out", a, "--json"], env), "convert");
    const original = readFileSync(join(a, "train.json"), "utf8");
    const entry = join(env.DSCHAT_STUDIO_CACHE!, "convert", assertCompleteOutput(a).manifest.cache_key);
    editInPlace(join(entry, "train.json"), 12, "EDITED");
    const run = await convert([IDENTITY, "--out", join(temp, "cache-edit", "b"), "--json"], env);
    assert.equal(json(run, "convert").cache_hit, false);
    assert.match(run.stderr, /note: cache entry .* is damaged \(train\.json has other bytes than were written/);
    assert.equal(readFileSync(join(temp, "cache-edit", "b", "train.json"), "utf8"), original);
  });
});

describe("convert never reads its own output back", () => {
  it("leaves --out out of a folder input (also through a link to it), and says so", async () => {
    const env = freshEnv();
    const data = join(temp, "own", "data");
    mkdirSync(data, {recursive: true});
    copyFileSync(IDENTITY, join(data, "identity.json"));
    const out = join(data, "out");
    const first = json(await runCli(["convert", data, "--out", out, "--json"], {env}), "convert");
    symlinkSync("out", join(data, "alias"));
    const second = await runCli(["convert", data, "--out", out, "--json"], {env});
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual([first.rows_read, json(second, "convert").rows_read], [91, 91], "the second run read the same 91 rows, not its own train.json");
    assert.match(second.stderr, /warning: left out data\/out: it is the --out folder of this run/);
    assert.match(second.stderr, /warning: left out data\/alias: it is the --out folder of this run/);
  });
  it("refuses an input file inside --out", async () => {
    const env = freshEnv();
    const out = join(temp, "own-file", "out");
    assert.equal((await convert([IDENTITY, "--out", out], env)).code, 0);
    const run = await convert([join(out, "train.json"), "--out", out], env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /train\.json: is inside --out .*out, the folder this run replaces/);
  });
});

describe("symbolic links in folder inputs are followed, each file and folder once", () => {
  it("reads a Hugging Face snapshot folder, whose files are all links into a blob store", async () => {
    const repo = join(temp, "hub", "datasets--someone--alpaca");
    mkdirSync(join(repo, "blobs"), {recursive: true});
    mkdirSync(join(repo, "snapshots", "0123abc", "data"), {recursive: true});
    const alpaca = JSON.parse(readFileSync("test/fixtures/llama-factory/alpaca_en_demo.json", "utf8")) as unknown[];
    writeFileSync(join(repo, "blobs", "1111"), alpaca.slice(0, 80).map((row) => JSON.stringify(row)).join("\n") + "\n");
    writeFileSync(join(repo, "blobs", "2222"), alpaca.slice(80, 100).map((row) => JSON.stringify(row)).join("\n") + "\n");
    symlinkSync("../../../blobs/1111", join(repo, "snapshots", "0123abc", "data", "train-00000-of-00001.jsonl"));
    symlinkSync("../../../blobs/2222", join(repo, "snapshots", "0123abc", "data", "test-00000-of-00001.jsonl"));
    const run = json(await convert([join(repo, "snapshots", "0123abc"), "--out", join(temp, "hub-out"), "--json"], freshEnv()), "convert");
    assert.deepEqual([run.rows_read, run.train_rows, run.eval_rows], [100, 80, 20], "train and test files, split by their names");
  });
  it("reads a link to a folder once, even when it points back up (no loop), and a linked file once", async () => {
    const data = join(temp, "loop", "data");
    mkdirSync(join(data, "sub"), {recursive: true});
    copyFileSync(IDENTITY, join(data, "sub", "identity.json"));
    symlinkSync("..", join(data, "sub", "up"));
    symlinkSync("sub/identity.json", join(data, "again.json"));
    const run = await convert([data, "--out", join(temp, "loop-out"), "--json"], freshEnv());
    assert.equal(json(run, "convert").rows_read, 91);
    assert.match(run.stderr, /left out data\/sub\/up: a link to a folder already read/);
    assert.match(run.stderr, /warning: data\/sub\/identity\.json is the same file as data\/again\.json \(a link\); it is read once/);
  });
  it("names a broken link instead of skipping it", async () => {
    const data = join(temp, "broken-link");
    mkdirSync(data);
    copyFileSync(IDENTITY, join(data, "a.json"));
    symlinkSync("gone.jsonl", join(data, "b.jsonl"));
    const run = await convert([data, "--out", join(temp, "broken-out")], freshEnv());
    assert.equal(run.code, 2);
    assert.match(run.stderr, /broken-link\/b\.jsonl: is a broken symbolic link/);
  });
});
