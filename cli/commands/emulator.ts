import {join, resolve} from "node:path";
import {cacheRoot} from "../../loaders/engine/cache.js";
import {DEFAULT_EMULATOR_PORT, EMULATOR_PROBE_PATH, startEmulator} from "../../loaders/emulator/server.js";
import {versioned} from "../../src/core/contract/schemaVersions.js";
import {UserError} from "../../src/core/contract/userError.js";
import {defineCommand} from "../command.js";
import {option} from "../options/optionSpec.js";
import {decimal, integer, text} from "../options/parsers.js";
import {SIMULATED_BANNER} from "../views/jobView.js";

export default defineCommand({
  summary: "Run the local AWS emulator (simulated SageMaker jobs, S3, CloudWatch) on 127.0.0.1 until stopped",
  synopsis: "[--port P] [--speed X] [--data-dir DIR]",
  description: `Serves the calls the studio makes — SageMaker and CloudWatch Logs (JSON), S3 (path style), CloudWatch GetMetricData —
on 127.0.0.1, with SageMaker's real limits. A job goes Starting → Downloading → Training → Uploading → Completed:
Training runs the uploaded launcher (training/sm_entry.py) with the job's hyperparameters and channels laid out as
SageMaker does, against a stand-in for DS-Chat's main.py that parses the arguments with DS-Chat's own argparse
definitions and then replays a published DS-Chat log (data/replay-logs). Every job is SIMULATED and says so.
Other commands use it with --emulator, or through the AWS_ENDPOINT_URL_* variables it prints. Jobs live in memory
(as long as it runs); S3 objects persist under --data-dir. Ctrl-C stops it.`,
  options: {
    "port": option({parse: integer({min: 0, max: 65535, example: DEFAULT_EMULATOR_PORT}), placeholder: "P", default: DEFAULT_EMULATOR_PORT, help: `TCP port on 127.0.0.1 (default ${DEFAULT_EMULATOR_PORT}; 0 picks a free one)`}),
    "speed": option({parse: decimal({above: 0, max: 1000, example: 1}), placeholder: "X", default: 1, help: "timeline speed-up: at 1 each phase takes 2 s and the log replay 20 s"}),
    "data-dir": option({parse: text, placeholder: "DIR", help: "where S3 objects and job folders live (default data/cache/emulator)"})
  },
  positionals: {name: "", min: 0, max: 0},
  schema: "emulator",
  async run({values}, io) {
    const dataDir = values["data-dir"] ? resolve(io.cwd, values["data-dir"]) : join(cacheRoot(io.env), "emulator");
    const emulator = await startEmulator({port: values.port, speed: values.speed, dataDir}).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") throw new UserError(`port ${values.port} on 127.0.0.1 is in use`, {where: {option: "--port"}, fix: "Pass another --port (and set DSCHAT_STUDIO_EMULATOR_PORT to it for --emulator), or stop what uses it."});
      throw error;
    });
    io.stderr.write(
      [
        SIMULATED_BANNER,
        `dschat-studio emulator on ${emulator.url} (SageMaker, S3, CloudWatch Logs, CloudWatch); S3 objects in ${dataDir}.`,
        `Use it with --emulator${emulator.port === DEFAULT_EMULATOR_PORT ? "" : ` and DSCHAT_STUDIO_EMULATOR_PORT=${emulator.port}`}, or point the AWS SDK at it:`,
        ...Object.entries(emulator.endpoints).map(([name, value]) => `  export ${name}=${value}`),
        "Ctrl-C stops it.",
        ""
      ].join("\n")
    );
    await new Promise<void>((done) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        done();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    const jobs = (await fetch(`${emulator.url}${EMULATOR_PROBE_PATH}`).then((r) => r.json() as Promise<{jobs: number}>)).jobs;
    await emulator.close();
    const summary = {url: emulator.url, port: emulator.port, data_dir: dataDir, endpoints: emulator.endpoints, jobs_run: jobs};
    return {json: versioned("emulator", {simulated: true, ...summary}), text: () => `[SIMULATED] dschat-studio emulator on ${emulator.url} stopped after ${jobs} simulated job${jobs === 1 ? "" : "s"}.\n`};
  }
});
