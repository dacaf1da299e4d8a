import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {describe, it} from "node:test";

// The SageMaker launcher (training/sm_entry.py) has its own Python tests; npm test runs them here so CI reads one summary.
describe("training/sm_entry.py", () => {
  it("passes its python3 -m unittest suite (argument mapping, flags, channels, multi-node, whole runs)", () => {
    const result = spawnSync("python3", ["-m", "unittest", "discover", "-v", "training/tests"], {
      encoding: "utf8",
      env: {...process.env, PYTHONDONTWRITEBYTECODE: "1"},
      timeout: 120_000
    });
    const output = `${result.stdout}${result.stderr}`;
    assert.equal(result.error, undefined, `python3 could not run: ${result.error?.message}`);
    assert.equal(result.status, 0, output);
    assert.match(output, /Ran (\d+) tests?/);
    assert.ok(Number(/Ran (\d+) tests?/.exec(output)![1]) >= 20, output);
    assert.match(output, /\nOK\b/);
  });
});
