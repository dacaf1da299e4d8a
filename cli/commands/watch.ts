import {withAwsSession} from "../../loaders/aws/session.js";
import {runsRoot} from "../../loaders/runs/runRecord.js";
import {liveDir, runSummary, writeLiveFiles} from "../../loaders/runs/runsIndex.js";
import {watchJob} from "../../loaders/runs/watchJob.js";
import {versioned} from "../../src/core/contract/schemaVersions.js";
import {defineCommand} from "../command.js";
import {emulatorOptions} from "../options/awsOptions.js";
import {flag, option} from "../options/optionSpec.js";
import {decimal} from "../options/parsers.js";
import {runsText} from "../views/jobView.js";

export default defineCommand({
  summary: "Record training jobs' logs and metrics into run records (data/runs), once or following them live",
  synopsis: "<job...> [--follow] [--poll S] [--emulator] [--json]",
  description: `Reads each job's CloudWatch Logs streams (every host) from where its run record stopped, parses rank 0's lines
with the table of DS-Chat's log lines, and appends to data/runs/<job>/: the job description over time, the metric rows
(Arrow and Parquet), the raw lines (gzip). Safe to run twice or concurrently. --follow keeps polling until every job
ended and its logs are read; meanwhile the Runs page open in 'npm start' shows the new points within seconds
(watch rewrites src/data/live/, which the page polls).`,
  options: {
    ...emulatorOptions,
    "follow": flag("keep watching until the jobs end"),
    "poll": option({parse: decimal({above: 0, max: 3600, example: 5}), placeholder: "S", help: "seconds between polls with --follow (default 5; 1 with the emulator)"})
  },
  positionals: {name: "<job...>", min: 1, max: Infinity},
  schema: "runs",
  async run({values, positionals}, io) {
    const root = runsRoot(io.env);
    const live = liveDir(io.env);
    return withAwsSession({env: io.env, emulator: values.emulator}, async (session) => {
      const pollSeconds = values.poll ?? (session.simulated ? 1 : 5);
      const records = await Promise.all(
        positionals.map((name) =>
          watchJob(session.clients, name, {
            root,
            follow: values.follow,
            pollSeconds,
            afterCommit: () => writeLiveFiles(root, live),
            onUpdate: (record, newRows) => io.stderr.write(`${record.job}: ${record.description?.status ?? "?"} (${record.description?.secondary_status ?? "?"}), +${newRows} metric rows, ${record.metrics.rows} in all${record.simulated ? " [SIMULATED]" : ""}\n`)
          })
        )
      );
      const doc = versioned("runs", {runs: await Promise.all(records.map((record) => runSummary(root, record)))});
      return {json: doc, text: () => runsText(doc.runs)};
    });
  }
});
