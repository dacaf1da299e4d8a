import {futimesSync} from "node:fs";
import {listConvertedDatasets} from "../../loaders/datasets.js";

process.stdout.write(JSON.stringify(await listConvertedDatasets()));
// Framework serves a loader's cached output while it is newer than the loader. Dating this output before the loader
// makes `npm start` (observable preview) run the loader again on every request, so the list is read fresh from the
// cache at each page load: a dataset converted meanwhile appears, a deleted one goes. Builds run it once.
try {
  futimesSync(1, 0, 0);
} catch {
  // stdout is not a file (run by hand into a pipe): nothing is cached then.
}
