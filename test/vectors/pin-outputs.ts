/**
 * Rewrites test/vectors/converted-outputs.json (run: npm run pin-outputs). Refuses when an output changed but neither
 * FORMATS_VERSION (src/core/formats/formatsVersion.ts) nor ENGINE_VERSION (loaders/engine/cache.ts) was bumped: the
 * versions key every user's conversion cache, so an unbumped change would keep serving the old output.
 */
import {existsSync, writeFileSync} from "node:fs";
import {changedOutputs, committedPins, currentPins, PINS_FILE} from "../helpers/outputPins.js";

const now = await currentPins();
if (existsSync(PINS_FILE)) {
  const before = committedPins();
  const changed = changedOutputs(before, now);
  const bumped = before.formats_version !== now.formats_version || before.engine_version !== now.engine_version;
  if (changed.length && !bumped) {
    console.error(`The output of ${changed.length} input(s) changed (${changed.slice(0, 5).join(", ")}${changed.length > 5 ? ", …" : ""}).`);
    console.error("Bump FORMATS_VERSION (an adapter or the rendering changed) or ENGINE_VERSION (the engine changed), then run this again.");
    process.exit(1);
  }
}
writeFileSync(PINS_FILE, JSON.stringify(now, null, 2) + "\n");
console.log(`pinned ${Object.keys(now.outputs).length} outputs at formats ${now.formats_version}, engine ${now.engine_version}`);
