import {withAwsSession} from "../../loaders/aws/session.js";
import {listJobs} from "../../loaders/aws/trainingJobs.js";
import {versioned} from "../../src/core/contract/schemaVersions.js";
import {defineCommand} from "../command.js";
import {emulatorOptions} from "../options/awsOptions.js";
import {option} from "../options/optionSpec.js";
import {integer, text} from "../options/parsers.js";
import {jobsText} from "../views/jobView.js";

export default defineCommand({
  summary: "List SageMaker training jobs, newest first (the studio's by default)",
  synopsis: "[--name-contains S] [--max N] [--emulator] [--json]",
  description: `Lists training jobs of the region (ListTrainingJobs), newest first: by default the studio's own, whose names start
with "dschat-".`,
  options: {
    ...emulatorOptions,
    "name-contains": option({parse: text, placeholder: "S", default: "dschat-", help: 'only jobs whose name contains S (default "dschat-")'}),
    "max": option({parse: integer({min: 1, max: 1000, example: 50}), placeholder: "N", default: 50, help: "at most N jobs (default 50)"})
  },
  positionals: {name: "", min: 0, max: 0},
  schema: "jobs",
  async run({values}, io) {
    return withAwsSession({env: io.env, emulator: values.emulator}, async (session) => {
      const jobs = await listJobs(session.clients, {nameContains: values["name-contains"], max: values.max});
      return {json: versioned("jobs", {simulated: session.simulated, jobs}), text: () => jobsText(jobs, session.simulated)};
    });
  }
});
