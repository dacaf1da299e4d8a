// Run before `observable build`: Framework's build reuses a data loader's cached output whenever it has one, and the
// list of converted datasets (src/data/datasets.json.ts) must be read from the engine's cache as it is now. Under
// `npm start` the loader dates its output back so that preview runs it at every page load instead (see the loader).
import {rm} from "node:fs/promises";
import {dirname, join} from "node:path";
import {fileURLToPath} from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
await rm(join(root, "src", ".observablehq", "cache", "data", "datasets.json"), {force: true});
