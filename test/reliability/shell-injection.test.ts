/**
 * run.sh with hostile strings (issue 9, class 9): values from plan.json, from a model's name, from an instance
 * catalogue and from lint messages that quote them reach the script as quoted arguments or as comment text, never as
 * commands. The generated script is run by bash with a fake `deepspeed` first on PATH that records its arguments: it
 * must receive exactly the plan's arguments, and none of the injected commands may run.
 */
import assert from "node:assert/strict";
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, describe, it} from "node:test";
import {shellComment, shellQuote} from "../../src/core/contract/shell.js";
import {describeRun, runBounded, runCommand} from "../helpers/bounded.js";
import {json, runMain} from "../helpers/cli.js";

const temp = mkdtempSync(join(tmpdir(), "reliability-shell-"));
after(() => rmSync(temp, {recursive: true, force: true}));

/** Strings that break out of a badly quoted argument or comment; each would create a file named PWNED-<n>. */
const HOSTILE = [
  "$(touch PWNED-1)",
  "`touch PWNED-2`",
  "'; touch PWNED-3; '",
  "x\ntouch PWNED-4\n",
  "a\r\ntouch PWNED-5 #",
  "a\u2028touch PWNED-6",
  '"; touch PWNED-7; "',
  "$HOME ${PATH} * ~ !! \\ \t end",
  "--deepspeed_config=PWNED-8.json"
];

const END_OF_CALL = "--end-of-deepspeed-call--";

/** A `deepspeed` that records its arguments (each ended by NUL, each call by END_OF_CALL) and does nothing else. */
function fakeDeepspeed(dir: string): string {
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "deepspeed"), `#!/bin/sh\nfor arg in "$@"; do printf '%s\\0' "$arg"; done >> "$ARGV_LOG"\nprintf '%s\\0' '${END_OF_CALL}' >> "$ARGV_LOG"\n`);
  chmodSync(join(bin, "deepspeed"), 0o755);
  return bin;
}

function calls(log: string): string[][] {
  const result: string[][] = [[]];
  for (const arg of readFileSync(log, "utf8").split("\0").slice(0, -1)) {
    if (arg === END_OF_CALL) result.push([]);
    else result[result.length - 1].push(arg);
  }
  return result.slice(0, -1);
}

function pwned(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path, {withFileTypes: true})) {
      if (entry.name.includes("PWNED") && !entry.name.endsWith(".json")) found.push(join(path, entry.name));
      if (entry.isDirectory()) walk(join(path, entry.name));
    }
  };
  walk(dir);
  return found;
}

describe("run.sh runs exactly the plan's commands, whatever strings the plan holds", () => {
  it("hostile data paths, output dir, LoRA module name, GPU name and instance name: quoted, commented, never run", async () => {
    const work = join(temp, "hostile");
    mkdirSync(work);
    const catalog = JSON.parse((await runMain(["plan", "--instances", "--json"])).stdout) as {instances: Array<{name: string; gpu: {name: string}}>};
    const instance = catalog.instances[0];
    instance.gpu.name = `A10G\ntouch PWNED-9 #${HOSTILE[5]}`;
    instance.name = "ml.hostile$(touch PWNED-10)";
    writeFileSync(join(temp, "catalog.json"), JSON.stringify(catalog));
    const plan = {
      steps: [1],
      step1: {model_name_or_path: "facebook/opt-125m", data_path: HOSTILE, output_dir: `./out dir/${HOSTILE[0]}`, lora_dim: 8, lora_module_name: HOSTILE[3], seed: 7},
      infrastructure: {instance_type: instance.name}
    };
    writeFileSync(join(temp, "plan.json"), JSON.stringify(plan));
    const out = join(temp, "run");
    const made = await runMain(["plan", "--from", join(temp, "plan.json"), "--catalog", join(temp, "catalog.json"), "--out", out, "--json"]);
    assert.equal(made.code, 4, `the LoRA name matches no layer: a lint error, in a comment of run.sh\n${made.stderr}`);
    const report = json(made, "plan-report");
    const script = readFileSync(join(out, "run.sh"), "utf8");
    assert.match(script, /^# ERROR \(step 1\): .*lora_module_name "x\\ntouch PWNED-4\\n"/m, "the finding stays on its comment line");
    assert.match(script, /^# Step 1: .* on A10G\\ntouch PWNED-9 #a\\u2028touch PWNED-6 /m, "the GPU name stays on its comment line");
    const bin = fakeDeepspeed(work);
    const log = join(work, "argv.log");
    const run = await runCommand(["bash", join(out, "run.sh")], {cwd: work, env: {PATH: `${bin}:${process.env.PATH}`, ARGV_LOG: log, DSCHAT_ROOT: work, LOG_DIR: join(work, "logs")}, timeoutMs: 30_000});
    assert.equal(run.code, 0, describeRun(run));
    assert.deepEqual(pwned(work), [], "no injected command ran");
    assert.deepEqual(pwned(temp), []);
    assert.deepEqual(calls(log), report.command.map((command: {argv: string[]}) => command.argv.slice(1)), "deepspeed received exactly the plan's arguments");
    assert.ok(calls(log)[0].includes(HOSTILE[7]), "every character of every value arrives unchanged");
  });
  it("chained steps 1–3 with hostile paths: each step gets its own arguments", async () => {
    const work = join(temp, "chained");
    mkdirSync(work);
    const plan = {
      steps: [1, 2, 3],
      step1: {model_name_or_path: "facebook/opt-125m", data_path: [HOSTILE[1], HOSTILE[2]], output_dir: `./a/${HOSTILE[0]}`, seed: 3},
      step2: {model_name_or_path: "facebook/opt-125m", data_path: [HOSTILE[3]], output_dir: `./b/${HOSTILE[6]}`, seed: 3},
      step3: {data_path: [HOSTILE[4]], seed: 3}
    };
    writeFileSync(join(work, "plan.json"), JSON.stringify(plan));
    const out = join(work, "run");
    const made = await runMain(["plan", "--from", join(work, "plan.json"), "--out", out, "--json"]);
    assert.ok(made.code === 0 || made.code === 4, made.stderr);
    const report = json(made, "plan-report");
    const bin = fakeDeepspeed(work);
    const log = join(work, "argv.log");
    const run = await runCommand(["bash", join(out, "run.sh")], {cwd: work, env: {PATH: `${bin}:${process.env.PATH}`, ARGV_LOG: log, DSCHAT_ROOT: work, LOG_DIR: join(work, "logs")}, timeoutMs: 30_000});
    assert.equal(run.code, 0, describeRun(run));
    assert.deepEqual(pwned(work), []);
    assert.deepEqual(calls(log), report.command.map((command: {argv: string[]}) => command.argv.slice(1)));
    assert.equal(calls(log).length, 3);
  });
  it("refuses a NUL character, which no argument can hold", async () => {
    writeFileSync(join(temp, "nul.json"), JSON.stringify({step1: {model_name_or_path: "facebook/opt-125m", data_path: ["a\u0000b"]}}));
    const run = await runBounded(["plan", "--from", join(temp, "nul.json")], {timeoutMs: 30_000});
    assert.equal(run.code, 2, describeRun(run));
    assert.match(run.stderr, /holds a NUL character, which no command-line argument can hold/);
  });
});

describe("shellQuote(word) and shellComment(text)", () => {
  it("round-trip every printable ASCII character, controls, quotes and non-ASCII text through bash", async () => {
    const words = [...HOSTILE, "", "'", "''", "\\'", "a'b\"c", "é中文😀", "-n", "-e", "=", "\u007f\u0085"];
    for (let code = 1; code < 128; code++) words.push(`x${String.fromCharCode(code)}y`);
    const run = await runCommand(["bash", "-c", `printf '%s\\0' ${words.map(shellQuote).join(" ")}`], {timeoutMs: 30_000});
    assert.equal(run.code, 0, describeRun(run));
    assert.deepEqual(run.stdout.split("\0").slice(0, -1), words);
  });
  it("keeps every comment on one line: bash runs nothing from it", async () => {
    const script = HOSTILE.map((text) => `# ${shellComment(text)}`).join("\n") + "\necho done\n";
    assert.equal(script.split("\n").length, HOSTILE.length + 2);
    const run = await runCommand(["bash", "-c", script], {cwd: temp, timeoutMs: 30_000});
    assert.equal(run.stdout, "done\n");
    assert.equal(existsSync(join(temp, "PWNED-4")), false);
  });
});
