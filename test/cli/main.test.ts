import assert from "node:assert/strict";
import {describe, it} from "node:test";
import {runCli} from "../helpers/cli.js";

const COMMANDS = ["inspect", "convert", "split", "stats", "lint", "plan"];

describe("dschat-studio <command>", () => {
  it("--help lists every command with its summary and exits 0", async () => {
    const {code, stdout} = await runCli(["--help"]);
    assert.equal(code, 0);
    for (const command of COMMANDS) assert.match(stdout, new RegExp(`^  ${command} +\\S`, "m"), `--help lists ${command}`);
  });

  it("no command prints the usage on stdout and exits 2", async () => {
    const {code, stdout} = await runCli([]);
    assert.equal(code, 2);
    assert.match(stdout, /^Usage: dschat-studio <command>/);
  });

  it("an unknown command names the closest and the known ones, and exits 2", async () => {
    const {code, stderr} = await runCli(["frobnicate"]);
    assert.equal(code, 2);
    assert.match(stderr, /unknown command 'frobnicate'\n  fix: Commands: inspect, convert/);
    assert.match((await runCli(["lnit"])).stderr, /fix: Did you mean lint\?/);
  });

  it("<command> --help prints that command's usage, generated options and schema", async () => {
    const runs = await Promise.all(COMMANDS.map((command) => runCli([command, "--help"])));
    runs.forEach(({code, stdout}, i) => {
      assert.equal(code, 0, `${COMMANDS[i]} --help exits 0`);
      assert.match(stdout, new RegExp(`^Usage: dschat-studio ${COMMANDS[i]} `), `${COMMANDS[i]} --help shows its usage`);
      assert.match(stdout, /--json +print the result as one JSON document on stdout \(schemas\/[a-z-]+\.schema\.json\)/);
    });
    assert.match(runs[3].stdout, /--max_seq_len, --max-seq-len N/, "DS-Chat arguments show both spellings");
  });

  it("--version prints the package version", async () => {
    const {code, stdout} = await runCli(["--version"]);
    assert.equal(code, 0);
    assert.match(stdout, /^\d+\.\d+\.\d+\n$/);
  });
});
