import assert from "node:assert/strict";
import {createHash} from "node:crypto";
import {mkdtempSync, readFileSync, readdirSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, it} from "node:test";
import {getRawDatasetSplitIndex} from "../../src/core/split/index.js";
import {json, runCli, type CliRun} from "../helpers/cli.js";

const runSplit = (args: string[]) => runCli(["split", ...args]);

const vectors = JSON.parse(readFileSync(new URL("../vectors/split-vectors.json", import.meta.url), "utf8"));
const phaseVector = (label: string) => vectors.phases.find((phase: {label: string}) => phase.label === label);

const rowsOf = (list: Array<[number, string, number]>) => list.map(([, , row]) => row);
const npyDir = mkdtempSync(join(tmpdir(), "dschat-split-"));
const withEval = ["--size", "200", "--eval-size", "40", "--seed", "1234", "--data-split", "2,4,4", "--step", "2", "--name", "Dahoas_rm_static"];
const presplit = ["--size", "157", "--presplit", "--seed", "1234", "--data-split", "2,4,4", "--step", "2", "--name", "Dahoas_synthetic_instruct_gptj_pairwise"];

// The runs start together so the file costs one tsx start-up, not eight.
const runs: Record<string, Promise<CliRun>> = {};
before(() => {
  Object.assign(runs, {
    withEval: runSplit([...withEval, "--json", "--npy", npyDir]),
    dschatSpelling: runSplit(["--size", "200", "--eval-size", "40", "--seed", "1234", "--data_split", "2,4,4", "--phase", "2", "--name", "Dahoas_rm_static", "--max_seq_len", "512", "--json"]),
    presplit: runSplit([...presplit, "--json"]),
    trainOnly: runSplit(["--size", "200", "--seed", "1234", "--data-split", "2,4,4", "--step", "2", "--json"]),
    human: runSplit(withEval),
    large: runSplit(["--size", "300000", "--seed", "42", "--data-split", "6,2,2", "--step", "1", "--json"]),
    seedNone: runSplit(["--size", "10", "--seed", "None", "--data-split", "2,4,4", "--step", "3"]),
    noPhase3: runSplit(["--size", "10", "--seed", "1", "--data-split", "9,1", "--step", "3", "--json"]),
    missing: runSplit(["--seed", "1", "--data-split", "2,4,4", "--step", "1"])
  });
});
after(() => rmSync(npyDir, {recursive: true, force: true}));

describe("dschat-studio split --size N --seed S --data-split X --step P [--eval-size M] [--json] [--npy DIR]", () => {
  it("prints DS-Chat's train and eval rows as one JSON document and writes its .npy files byte for byte", async () => {
    const run = await runs.withEval;
    const {code, stderr} = run;
    assert.equal(code, 0, stderr);
    const expected = phaseVector("single dataset with eval, phase 2");
    assert.deepEqual(json(run, "split"), {schema_version: 1, train: rowsOf(expected.train), eval: rowsOf(expected.eval)});
    const pasted = await runs.dschatSpelling;
    assert.deepEqual(json(pasted, "split"), json(run, "split"), "--step's alias --phase, DS-Chat's spelling, and a DS-Chat argument that does not matter");
    assert.match(pasted.stderr, /note: --max_seq_len is accepted but ignored: it does not change which rows the split takes/);
    assert.match(stderr, /wrote 6 index files to /);
    const written = readdirSync(npyDir).sort();
    assert.deepEqual(written, expected.files.map((file: {name: string}) => file.name));
    for (const file of expected.files) {
      assert.equal(createHash("sha256").update(readFileSync(join(npyDir, file.name))).digest("hex"), file.sha256, file.name);
    }
  });

  it("with --presplit, cuts the 9:1 train_eval split first", async () => {
    const run = await runs.presplit;
    assert.equal(run.code, 0, run.stderr);
    const expected = phaseVector("single 9:1 dataset, phase 2");
    assert.deepEqual(json(run, "split"), {schema_version: 1, train: rowsOf(expected.train), eval: rowsOf(expected.eval)});
  });

  it("without --eval-size prints train only", async () => {
    const run = await runs.trainOnly;
    assert.equal(run.code, 0);
    assert.deepEqual(json(run, "split"), {schema_version: 1, train: rowsOf(phaseVector("single dataset with eval, phase 2").train)});
  });

  it("streams large outputs intact", async () => {
    const run = await runs.large;
    assert.equal(run.code, 0);
    assert.deepEqual(json(run, "split").train, [...getRawDatasetSplitIndex(42, "6,2,2", 0, 300_000)]);
  });

  it("summarises counts, boundaries and the first rows for people", async () => {
    const {code, stdout} = await runs.human;
    assert.equal(code, 0);
    const expected = phaseVector("single dataset with eval, phase 2");
    assert.match(stdout, /^Dahoas_rm_static, seed 1234, data_split 2,4,4, phase 2 \(reward model\)\n/);
    assert.ok(stdout.includes(`train: 80 of 200 rows (data_split boundaries [0, 40, 120, 200]): ${rowsOf(expected.train).slice(0, 10).join(", ")}, …`), stdout);
    assert.ok(stdout.includes("eval: 16 of 40 rows (data_split boundaries [0, 8, 24, 40]): "), stdout);
  });

  it("exits 2 with the reason for seed None, a missing phase part and a missing flag", async () => {
    const seedNone = await runs.seedNone;
    assert.equal(seedNone.code, 2);
    assert.equal(seedNone.stdout, "");
    assert.match(seedNone.stderr, /^dschat-studio split: --seed: seed is None: .*cannot be reproduced.*\n  fix: Pass --seed/);
    const noPhase3 = await runs.noPhase3;
    assert.equal(noPhase3.code, 2);
    assert.equal(noPhase3.stdout, "");
    assert.match(noPhase3.stderr, /data_split "9,1" has 2 parts.*FileNotFoundError/);
    const missing = await runs.missing;
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--size: is required\n  fix: Pass e\.g\. --size 1000/);
  });
});
