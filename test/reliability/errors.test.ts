/**
 * Clear errors for what the user can fix (issue 9, class 11): a file or folder they cannot read, an --out or cache
 * they cannot write, a full disk, a text file in UTF-16, gzip with bytes after its last member, an empty Parquet file.
 * Each exits 2 naming the path, what is wrong and what to do, never "unexpected error". The permission cases run the
 * real executable as an unprivileged user (setpriv to uid 65534) and the full-disk ones on a 1 MiB tmpfs in a private
 * mount namespace; where the machine allows neither, they are skipped with the reason printed.
 */
import assert from "node:assert/strict";
import {execFileSync} from "node:child_process";
import {chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {gzipSync} from "node:zlib";
import {after, before, describe, it} from "node:test";
import {DuckDBInstance} from "@duckdb/node-api";
import {describeRun, runBounded, runCommand, unprivilegedPrefix, type BoundedRun} from "../helpers/bounded.js";
import {json, root, runMain} from "../helpers/cli.js";

const temp = mkdtempSync(join(tmpdir(), "reliability-errors-"));
after(() => rmSync(temp, {recursive: true, force: true}));
const IDENTITY = "test/fixtures/llama-factory/identity.json";

function assertUserError(run: BoundedRun, pattern: RegExp, fix: RegExp): void {
  assert.equal(run.code, 2, describeRun(run));
  assert.doesNotMatch(run.stderr, /unexpected error/);
  assert.match(run.stderr, pattern, describeRun(run));
  assert.match(run.stderr, fix, describeRun(run));
}

describe("paths this user cannot read or write (run as an unprivileged user)", () => {
  let prefix: string[] | null = null;
  let skip: string | false = false;
  const work = join(temp, "perm");
  const writableCache = join(work, "cache");
  before(async () => {
    const probe = await unprivilegedPrefix();
    if ("skip" in probe) {
      skip = probe.skip;
      return;
    }
    prefix = probe.prefix;
    chmodSync(temp, 0o755);
    mkdirSync(work, {mode: 0o755});
    chmodSync(work, 0o755);
    mkdirSync(writableCache, {mode: 0o777});
    chmodSync(writableCache, 0o777);
    copyFileSync(IDENTITY, join(work, "secret.json"));
    chmodSync(join(work, "secret.json"), 0o600);
    mkdirSync(join(work, "closed"));
    copyFileSync(IDENTITY, join(work, "closed", "a.json"));
    chmodSync(join(work, "closed"), 0o700);
    copyFileSync(IDENTITY, join(work, "open.json"));
    chmodSync(join(work, "open.json"), 0o644);
    mkdirSync(join(work, "root-only"), {mode: 0o755});
    mkdirSync(join(work, "root-cache"), {mode: 0o755});
    writeFileSync(join(work, "plan.json"), "{}");
    chmodSync(join(work, "plan.json"), 0o600);
    assert.equal((await runMain(["convert", IDENTITY, "--out", join(work, "converted")], {env: {DSCHAT_STUDIO_CACHE: join(work, "root-cache-2")}})).code, 0);
    chmodSync(join(work, "converted", "train.json"), 0o600);
  });
  const run = (args: string[], cache = writableCache) => runBounded(args, {prefix: prefix!, env: {DSCHAT_STUDIO_CACHE: cache}, cwd: root, timeoutMs: 60_000});
  const cases: Array<[string, () => string[], RegExp, RegExp, string?]> = [
    ["an unreadable input file", () => ["convert", join(work, "secret.json"), "--out", join(writableCache, "out-1")], /secret\.json: permission denied while opening it \(EACCES/, /fix: Make the file .* readable by this user/],
    ["an unreadable input folder", () => ["inspect", join(work, "closed")], /closed: permission denied while listing the folder \(EACCES/, /fix: Make the file \(and every folder above it\) readable/],
    ["an --out whose parent folder is not writable", () => ["convert", join(work, "open.json"), "--out", join(work, "root-only", "w")], /--out .*root-only\/w: permission denied while writing in the folder above it \(EACCES/, /fix: Pass a folder you can write to/],
    ["a cache folder that is not writable", () => ["convert", join(work, "open.json"), "--out", join(writableCache, "..", "cache", "out")], /root-cache: permission denied while writing the cache \(EACCES/, /fix: Make the cache folder writable .* DSCHAT_STUDIO_CACHE/, "root-cache"],
    ["an unreadable plan --from file", () => ["plan", "--from", join(work, "plan.json")], /--from .*plan\.json: permission denied while opening it \(EACCES/, /fix: Make the file readable by this user/],
    ["an unreadable train.json given to stats", () => ["stats", join(work, "converted"), "--tokenizer", "gpt2"], /train\.json: permission denied while opening it \(EACCES/, /fix: Make the file/]
  ];
  for (const [name, args, pattern, fix, cache] of cases) {
    it(name, async (context) => {
      if (skip) return context.skip(skip);
      assertUserError(await run(args(), cache ? join(work, cache) : writableCache), pattern, fix);
    });
  }
});

describe("a full disk (a 1 MiB tmpfs in a private mount namespace)", () => {
  let skip: string | false = false;
  const big = join(temp, "big.jsonl");
  before(async () => {
    const probe = await runCommand(["unshare", "-m", "sh", "-c", 'mkdir -p "$0" && mount -t tmpfs -o size=1m tmpfs "$0"', join(temp, "probe")], {timeoutMs: 10_000}).catch(() => null);
    if (probe?.code !== 0) skip = `mounting a tmpfs in a private mount namespace is not permitted here (${probe?.stderr.trim() || "unshare missing"})`;
    const alpaca = JSON.parse(readFileSync("test/fixtures/llama-factory/alpaca_en_demo.json", "utf8")) as Array<Record<string, string>>;
    writeFileSync(big, Array.from({length: 4000}, (_, i) => JSON.stringify({...alpaca[i % alpaca.length], output: `${alpaca[i % alpaca.length].output} #${i}`})).join("\n") + "\n");
  });
  /** convert with `mount` (a folder) on a fresh 1 MiB tmpfs; DSCHAT_STUDIO_CACHE and --out from the caller. */
  const onTinyDisk = (mount: string, cache: string, out: string) =>
    runCommand(["unshare", "-m", "sh", "-c", 'mkdir -p "$0" && mount -t tmpfs -o size=1m tmpfs "$0" && shift && exec "$@"', mount, "--", process.execPath, join(root, "bin", "dschat-studio.js"), "convert", big, "--out", out], {env: {DSCHAT_STUDIO_CACHE: cache}, timeoutMs: 120_000});
  it("the cache fills the disk", async (context) => {
    if (skip) return context.skip(skip);
    const mount = join(temp, "full-cache");
    assertUserError(await onTinyDisk(mount, join(mount, "cache"), join(temp, "full-cache-out")), /no space left on the device while writing the cache \(ENOSPC/, /fix: Make the cache folder writable and give it free space, or point DSCHAT_STUDIO_CACHE at another folder/);
  });
  it("--out fills the disk", async (context) => {
    if (skip) return context.skip(skip);
    const mount = join(temp, "full-out");
    assertUserError(await onTinyDisk(mount, join(temp, "roomy-cache"), join(mount, "w")), /--out .*full-out\/w: no space left on the device while writing the output \(ENOSPC/, /fix: Free space on that disk, or pass an --out folder on another one/);
  });
});

describe("text in another encoding is named", () => {
  const record = '[{"instruction":"hi","output":"yo"}]';
  const cases: Array<[string, string, Buffer, RegExp]> = [
    ["UTF-16LE with a byte order mark", "a.json", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(record, "utf16le")]), /a\.json: is UTF-16LE text \(byte order mark FF FE\); the engine reads UTF-8/],
    ["UTF-16BE with a byte order mark", "b.json", Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(record, "utf16le").swap16()]), /is UTF-16BE text/],
    ["UTF-16LE without a byte order mark", "c.jsonl", Buffer.from('{"instruction":"hi","output":"yo"}\n', "utf16le"), /is UTF-16LE text \(no byte order mark; a zero byte after every ASCII character\)/],
    ["UTF-16LE CSV", "d.csv", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("instruction,output\nhi,yo\n", "utf16le")]), /d\.csv: is UTF-16LE text/],
    ["UTF-16LE inside gzip", "e.json.gz", gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(record, "utf16le")])), /is UTF-16LE text \(byte order mark FF FE\) \(after gunzip\)/],
    ["UTF-32LE with a byte order mark", "f.json", Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from([...record].flatMap((char) => [char.charCodeAt(0), 0, 0, 0]))]), /is UTF-32LE text/]
  ];
  for (const [name, file, bytes, pattern] of cases) {
    it(name, async () => {
      const path = join(temp, file);
      writeFileSync(path, bytes);
      const run = await runMain(["convert", path, "--out", join(temp, "never")], {env: {DSCHAT_STUDIO_CACHE: join(temp, "enc-cache")}});
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, pattern);
      assert.match(run.stderr, /fix: Re-encode it as UTF-8, e\.g\. 'iconv -f UTF-(16|32)(LE|BE) -t UTF-8 FILE > FILE\.utf8'/);
    });
  }
});

describe("gzip with bytes after its last member is read as gzip -d reads it", () => {
  const alpaca = readFileSync("test/fixtures/llama-factory/alpaca_en_demo.json", "utf8");
  const lines = (JSON.parse(alpaca) as unknown[]).map((row) => JSON.stringify(row)).join("\n") + "\n";
  const large = Array.from({length: 8}, () => lines).join(""); // several MiB: the fast decoder has yielded output before it fails
  const cases: Array<[string, Buffer, number, RegExp | null]> = [
    ["one member, then garbage", Buffer.concat([gzipSync(lines), Buffer.from("garbage!")]), 999, /8 bytes after the last gzip member \(from byte \d+\) are not gzip data and were ignored, as 'gzip -d' does/],
    ["two members, then garbage", Buffer.concat([gzipSync(lines.slice(0, lines.length / 2 + 1)), gzipSync(lines.slice(lines.length / 2 + 1)), Buffer.from("xyz")]), 999, /3 bytes after the last gzip member .* 2 member\(s\) were read/],
    ["a large member, then garbage", Buffer.concat([gzipSync(large), Buffer.from("trailing bytes")]), 7992, /14 bytes after the last gzip member/],
    ["one member, then zero padding (no warning, as gzip -d)", Buffer.concat([gzipSync(lines), Buffer.alloc(512)]), 999, null]
  ];
  for (const [name, bytes, rows, warning] of cases) {
    it(name, async () => {
      const path = join(temp, `${name.replace(/\W+/g, "-")}.jsonl.gz`);
      writeFileSync(path, bytes);
      const expected = execFileSync("sh", ["-c", 'gzip -dc "$0" 2>/dev/null; true', path], {maxBuffer: 1 << 30}).toString("utf8");
      assert.equal(expected.split("\n").length - 1, rows, "gzip -d decodes the members");
      const run = await runMain(["convert", path, "--out", join(temp, `gz-${rows}-${bytes.length}`), "--json"], {env: {DSCHAT_STUDIO_CACHE: join(temp, "gz-cache")}});
      assert.equal(run.code, 0, run.stderr);
      assert.equal(json(run, "convert").rows_read, rows);
      if (warning) assert.match(run.stderr, warning);
      else assert.doesNotMatch(run.stderr, /after the last gzip member/);
    });
  }
  it("a corrupt member is still an error", async () => {
    const bytes = gzipSync(large);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    const path = join(temp, "corrupt.jsonl.gz");
    writeFileSync(path, bytes);
    const run = await runMain(["convert", path, "--out", join(temp, "never")], {env: {DSCHAT_STUDIO_CACHE: join(temp, "gz-cache")}});
    assert.equal(run.code, 2);
    assert.match(run.stderr, /corrupt\.jsonl\.gz: not readable gzip: .*the file is truncated or corrupt/);
  });
});

describe("an empty Parquet file", () => {
  it("is named, not called (input)", async () => {
    const path = join(temp, "empty.parquet");
    const connection = await (await DuckDBInstance.create(":memory:")).connect();
    await connection.run(`COPY (SELECT 'a' AS instruction, 'b' AS output WHERE false) TO '${path.replaceAll("'", "''")}' (FORMAT parquet)`);
    connection.closeSync();
    for (const command of ["convert", "inspect"]) {
      const run = await runMain([command, path, ...(command === "convert" ? ["--out", join(temp, "never")] : [])], {env: {DSCHAT_STUDIO_CACHE: join(temp, "pq-cache")}});
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /empty\.parquet: holds no records/);
      assert.doesNotMatch(run.stderr, /\(input\)/);
    }
  });
});
