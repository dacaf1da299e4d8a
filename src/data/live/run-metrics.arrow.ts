import {runsRoot} from "../../../loaders/runs/runRecord.js";
import {allRunMetricsArrow} from "../../../loaders/runs/runsIndex.js";

// Every run's metric rows with a `run` column, as one Arrow IPC stream, for the Runs page (overridden by the static
// run-metrics.arrow that `dschat-studio watch` writes beside it, as runs.json is).
process.stdout.write(await allRunMetricsArrow(runsRoot()));
