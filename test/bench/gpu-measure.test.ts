// bench/gpu's own logic (settings → model and optimizer set-up) is tested in Python without torch or a GPU; this runs
// that suite so that `npm test` covers it, and prints what was skipped and why (the GPU parts need torch and CUDA).
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {it} from "node:test";
import {root} from "../helpers/cli.js";

it("bench/gpu's Python tests pass (python3 -m unittest)", (t) => {
  const run = spawnSync("python3", ["-m", "unittest", "discover", "-v", "-s", "bench/gpu", "-p", "test_*.py"], {cwd: root, encoding: "utf8", timeout: 120_000});
  if (run.error) {
    t.skip(`python3 is not available: ${run.error.message}`);
    return;
  }
  for (const line of run.stderr.split("\n").filter((text) => text.includes("skipped"))) t.diagnostic(line.trim());
  assert.equal(run.status, 0, run.stderr.slice(-4000));
  assert.match(run.stderr, /Ran \d+ tests/);
});
