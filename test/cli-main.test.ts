import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {describe, it} from "node:test";
import {fileURLToPath} from "node:url";

const bin = fileURLToPath(new URL("../bin/dschat-studio.js", import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], {encoding: "utf8"});

describe("dschat-studio <command>", () => {
  it("--help lists every command with its summary and exits 0", () => {
    const {status, stdout} = run("--help");
    assert.equal(status, 0);
    for (const command of ["inspect", "convert", "split", "stats", "lint", "plan"]) {
      assert.match(stdout, new RegExp(`^  ${command} +\\S`, "m"), `--help lists ${command}`);
    }
  });

  it("no command prints the usage on stdout and exits 2", () => {
    const {status, stdout} = run();
    assert.equal(status, 2);
    assert.match(stdout, /^Usage: dschat-studio <command>/);
  });

  it("an unknown command names the known ones and exits 2", () => {
    const {status, stderr} = run("frobnicate");
    assert.equal(status, 2);
    assert.match(stderr, /unknown command 'frobnicate'\. Commands: inspect, convert/);
  });

  it("<command> --help prints that command's usage", () => {
    for (const command of ["inspect", "convert", "split", "stats", "lint", "plan"]) {
      const {status, stdout} = run(command, "--help");
      assert.equal(status, 0, `${command} --help exits 0`);
      assert.match(stdout, new RegExp(`dschat-studio ${command}`), `${command} --help shows its usage`);
    }
  });

  it("--version prints the package version", () => {
    const {status, stdout} = run("--version");
    assert.equal(status, 0);
    assert.match(stdout, /^\d+\.\d+\.\d+\n$/);
  });
});
