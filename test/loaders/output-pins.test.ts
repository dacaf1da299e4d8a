import assert from "node:assert/strict";
import {describe, it} from "node:test";
import {changedOutputs, committedPins, currentPins, pinnedInputs} from "../helpers/outputPins.js";

describe("convert's output is pinned together with FORMATS_VERSION and ENGINE_VERSION", () => {
  it("every dataset fixture converts to the pinned bytes, unless a version was bumped (then: npm run pin-outputs)", async () => {
    const pinned = committedPins();
    const now = await currentPins();
    assert.ok(pinnedInputs().length >= 50, "every fixture is pinned");
    assert.deepEqual(
      [now.formats_version, now.engine_version],
      [pinned.formats_version, pinned.engine_version],
      "a version was bumped: run 'npm run pin-outputs' to pin the outputs of the new version"
    );
    const changed = changedOutputs(pinned, now);
    assert.deepEqual(
      changed,
      [],
      "convert's output changed while FORMATS_VERSION and ENGINE_VERSION stayed the same, so users' caches would serve the old output: " +
        "bump FORMATS_VERSION (src/core/formats/formatsVersion.ts) or ENGINE_VERSION (loaders/engine/cache.ts), then run 'npm run pin-outputs'"
    );
  });
});
