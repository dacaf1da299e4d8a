/**
 * Everything printed from data is escaped for the terminal (issue 9, class 10): column names, values, file names and
 * messages that quote them reach the screen with their control characters visible (`\x1b`), never as commands to the
 * terminal; --json output carries them as JSON escapes; excerpts of any record, however deep, are real JSON.
 */
import assert from "node:assert/strict";
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, describe, it} from "node:test";
import {escapeData, escapeForTerminal} from "../../cli/views/terminal.js";
import {runCli, runMain} from "../helpers/cli.js";

const temp = mkdtempSync(join(tmpdir(), "reliability-terminal-"));
after(() => rmSync(temp, {recursive: true, force: true}));
const env = {DSCHAT_STUDIO_CACHE: join(temp, "cache")};

/** Control characters a terminal acts on, as they must never appear in output: C0 (but newline), DEL, C1, bidi overrides, separators. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe("inspect and convert print data with its control characters escaped", () => {
  const hostile = {
    "\u001b[2Jclear": "v\u001b[31mred",
    "cr\rkey": "\u009b2J (8-bit CSI)",
    "bidi\u202eyek": "line\u2028break",
    instruction: "hi\u0007bell",
    output: "yo\u001b]0;title\u0007"
  };
  it("inspect: column names and values", async () => {
    const path = join(temp, "hostile.jsonl");
    writeFileSync(path, `${JSON.stringify(hostile)}\n`);
    const run = await runCli(["inspect", path], {env});
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, RAW_CONTROL);
    assert.match(run.stdout, /columns .*\\x1b\[2Jclear: string, cr\\rkey: string, bidi\\u202eyek: string/);
    assert.match(run.stdout, /prompt +"Human: hi\\u0007bell Assistant:"/);
  });
  it("inspect --json: the same keys and values, escaped as JSON (the document parses to the same strings)", async () => {
    const run = await runCli(["inspect", join(temp, "hostile.jsonl"), "--json"], {env});
    assert.doesNotMatch(run.stdout, RAW_CONTROL);
    assert.deepEqual(JSON.parse(run.stdout).examples[0].raw, hostile);
  });
  it("a file name with an escape sequence, in warnings and in errors", async () => {
    const name = join(temp, "evil\u001b[2J.json");
    writeFileSync(name, "not json at all\n");
    const failed = await runCli(["convert", name, "--out", join(temp, "never")], {env});
    assert.equal(failed.code, 2);
    assert.doesNotMatch(failed.stderr, RAW_CONTROL);
    assert.match(failed.stderr, /evil\\x1b\[2J\.json: is not JSON/);
    const data = join(temp, "folder\u001b[31m");
    const {mkdirSync, copyFileSync, symlinkSync} = await import("node:fs");
    mkdirSync(data);
    copyFileSync("test/fixtures/llama-factory/identity.json", join(data, "a.json"));
    symlinkSync("a.json", join(data, "b\u009bx.json"));
    const warned = await runCli(["convert", data, "--out", join(temp, "warned")], {env});
    assert.equal(warned.code, 0, warned.stderr);
    assert.doesNotMatch(warned.stderr, RAW_CONTROL);
    assert.match(warned.stderr, /warning: folder\\x1b\[31m\/b\\x9bx\.json is the same file as folder\\x1b\[31m\/a\.json/);
  });
  it("escapeData and escapeForTerminal", () => {
    assert.equal(escapeData("a\u001b[2Jb\nc\td\u009be\u202ef"), "a\\x1b[2Jb\\nc\\td\\x9be\\u202ef");
    assert.equal(escapeForTerminal("line 1\nline\r2\u0000"), "line 1\nline\\r2\\x00");
  });
});

describe("excerpts of any record are real JSON", () => {
  it("a reject excerpt of an array nested 100,000 deep starts with its brackets, not [object Object]", async () => {
    let deep = "[]";
    for (let i = 0; i < 100_000; i++) deep = `[${deep}]`;
    const path = join(temp, "deep.jsonl");
    writeFileSync(path, `{"instruction":"ok","output":"x"}\n{"instruction":${deep},"output":"x"}\n{"instruction":"ok2","output":"x"}\n`);
    const out = join(temp, "deep-out");
    const run = await runMain(["convert", path, "--out", out], {env});
    assert.equal(run.code, 0, run.stderr);
    const reject = JSON.parse(readFileSync(join(out, "rejects.jsonl"), "utf8").trim()) as {excerpt: string};
    assert.match(reject.excerpt, /^\{"instruction":\[\[\[\[\[\[/);
    assert.ok(reject.excerpt.endsWith("…"));
    const inspected = await runMain(["inspect", path], {env});
    assert.equal(inspected.code, 0, inspected.stderr);
    assert.match(inspected.stdout, /raw +\{"instruction":\[\[\[\[.*nested deeper than 32 levels/);
    const asJson = await runMain(["inspect", path, "--json"], {env});
    assert.equal(asJson.code, 0, asJson.stderr);
  });
});
