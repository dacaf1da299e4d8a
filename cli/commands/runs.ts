import {runsRoot} from "../../loaders/runs/runRecord.js";
import {runsDocument} from "../../loaders/runs/runsIndex.js";
import {defineCommand} from "../command.js";
import {runsText} from "../views/jobView.js";

export default defineCommand({
  summary: "List the run records (data/runs): status, cost, metrics, estimate against measurement",
  synopsis: "[--json]",
  description: `Lists every run record under data/runs (DSCHAT_STUDIO_RUNS moves it), newest first: status, instances, duration,
cost so far, metric rows, and the plan's memory and time estimate against what the log measured. Records are written
by 'watch', 'submit --watch' and 'import-log'; the Runs page shows the same.`,
  options: {},
  positionals: {name: "", min: 0, max: 0},
  schema: "runs",
  async run(_args, io) {
    const doc = await runsDocument(runsRoot(io.env));
    return {json: doc, text: () => runsText(doc.runs)};
  }
});
