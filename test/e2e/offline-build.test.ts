import assert from "node:assert/strict";
import {existsSync, readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {describe, it} from "node:test";
import {canUnshareNetwork, ensureBuilt, root} from "./harness.js";

describe("npm run build", () => {
  it("succeeds inside a network namespace with only loopback", (t) => {
    const isolation = canUnshareNetwork();
    if (!isolation.ok) {
      console.log(`skipped: ${isolation.reason}`);
      t.skip(isolation.reason ?? "unshare not permitted");
      return;
    }
    const build = ensureBuilt();
    assert.equal(build.offline, true, "the shared build must have run under unshare -n");
    // The loaders ran inside the namespace: the build wiped their cache first.
    assert.ok(existsSync(join(root, "dist", "_file", "data")), "data loader outputs are in dist/_file/data");
    console.log(`offline build: ${build.seconds.toFixed(1)} s`);
  });

  it("bundles every npm import from node_modules and links no outside stylesheet", () => {
    ensureBuilt();
    const html = readFileSync(join(root, "dist", "datasets.html"), "utf8");
    assert.doesNotMatch(html, /fonts\.googleapis|cdn\.jsdelivr|https?:\/\/(?!127\.0\.0\.1)[^"' ]*\.(js|css)/);
    const npm = readdirSync(join(root, "dist", "_npm"));
    for (const name of ["apache-arrow@21.2.0", "d3@7.9.2", "htl@0.3.1", "@duckdb", "@observablehq"]) {
      assert.ok(npm.includes(name), `dist/_npm/${name} exists`);
    }
    assert.ok(readdirSync(join(root, "dist", "_npm", "@duckdb")).includes("duckdb-wasm@1.29.0"));
  });
});
