import {resolve} from "node:path";
import {readPlanFile} from "../../loaders/aws/submitPlan.js";
import {importLog} from "../../loaders/runs/importLog.js";
import {runsRoot} from "../../loaders/runs/runRecord.js";
import {liveDir, runSummary, writeLiveFiles} from "../../loaders/runs/runsIndex.js";
import {versioned} from "../../src/core/contract/schemaVersions.js";
import {defineCommand} from "../command.js";
import {flag, option} from "../options/optionSpec.js";
import {step, text} from "../options/parsers.js";
import {runsText} from "../views/jobView.js";

export default defineCommand({
  summary: "Turn a DS-Chat log from a run outside SageMaker into a run record",
  synopsis: "<file> --plan plan.json [--step N | --dpo] [--name NAME] [--json]",
  description: `Parses a DS-Chat training log (text or .gz) from a workstation or another cloud with the same table as a watched
job and stores it as a run record under data/runs, with the plan it ran with, so the Runs page charts it, compares it
with other runs and sets the plan's estimate against what the log measured. The same file imported again is found,
not stored twice.`,
  options: {
    "plan": option({parse: text, placeholder: "FILE", required: true, example: "run/plan.json", help: "the plan.json the run used ('dschat-studio plan --out')"}),
    "step": option({parse: step, placeholder: "N", help: "which step of the plan the log is (default: the plan's only step)"}),
    "name": option({parse: text, placeholder: "NAME", help: "the record's name (default: import-step<N>-<file>-<digest>)"}),
    "dpo": flag("the log is DS-Chat's DPO script (step2_dpo_finetuning), run with the plan's step 2")
  },
  positionals: {name: "<file>", min: 1, max: 1},
  schema: "runs",
  async run({values, positionals}, io) {
    const root = runsRoot(io.env);
    const plan = readPlanFile(resolve(io.cwd, values.plan));
    const {record, created} = await importLog(resolve(io.cwd, positionals[0]!), {root, plan, step: values.dpo ? 2 : values.step, script: values.dpo ? "step2-dpo" : undefined, name: values.name});
    if (!created) io.stderr.write(`note: ${record.job} already holds this log; nothing was added\n`);
    await writeLiveFiles(root, liveDir(io.env));
    const doc = versioned("runs", {runs: [await runSummary(root, record)]});
    return {json: doc, text: () => runsText(doc.runs)};
  }
});
