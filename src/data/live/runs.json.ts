import {runsRoot} from "../../../loaders/runs/runRecord.js";
import {runsDocument} from "../../../loaders/runs/runsIndex.js";

// Every run record under data/runs (schemas/runs.schema.json), for the Runs page. `dschat-studio watch` writes
// runs.json beside this loader after every commit; Framework serves that static file instead while it exists.
process.stdout.write(JSON.stringify(await runsDocument(runsRoot())));
