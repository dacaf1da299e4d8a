import {copyFile, mkdir} from "node:fs/promises";
import {dirname, join, resolve} from "node:path";
import {replaceOutputDir, restoreOutput} from "../../loaders/fs/outputDir.js";
import {withAwsSession} from "../../loaders/aws/session.js";
import {buildReportSite, type BuiltSite} from "../../loaders/report/buildSite.js";
import {collectReport, redactPaths} from "../../loaders/report/collectReport.js";
import {parsePublishUri, publishSite} from "../../loaders/report/publishSite.js";
import {versioned} from "../../src/core/contract/schemaVersions.js";
import {defineCommand, type CliIO} from "../command.js";
import {parseArgv} from "../options/parseArgv.js";
import {emulatorOptions} from "../options/awsOptions.js";
import {option} from "../options/optionSpec.js";
import {text} from "../options/parsers.js";

/** A command's `--json` document from its own `run`: the report holds what `plan`, `lint` and `stats` print. */
async function commandDocument(name: "plan" | "lint" | "stats", argv: string[], io: CliIO): Promise<Record<string, unknown>> {
  const {commands} = await import("./index.js");
  const command = (await commands[name]()).default as unknown as {options: never; positionals: never; run: (args: unknown, io: CliIO) => Promise<{json: Record<string, unknown>}>};
  return (await command.run(parseArgv(argv, command.options, command.positionals, name), io)).json;
}

export default defineCommand({
  summary: "Write a static, self-contained report of datasets, a plan and its runs (and publish it to S3)",
  synopsis: "--data DIR... --plan plan.json [--run JOB...] --out DIR [--tokenizer T] [--publish s3://bucket/prefix] [--emulator] [--json]",
  description: `Builds a static site holding just what is named: each --data dataset (its counts and rows usable per DS-Chat
phase, the first rows of train.json as DS-Chat reads them, lint findings, and with --tokenizer token statistics), the
--plan (memory per GPU, fit, time and cost, findings, command and ds_config) and each --run (status, timeline, cost,
DS-Chat's metrics, the estimate against the measurement). It opens from any static file server or S3 static hosting
and requests nothing outside its own origin. It holds no credentials, no local paths (folders become relative names)
and no other dataset: every file is checked before anything is written. --out is replaced atomically (only an earlier
report). --publish uploads it with the studio's S3 client (--emulator: to the local emulator).`,
  options: {
    ...emulatorOptions,
    data: option({parse: text, takes: "list", placeholder: "DIR", help: "a 'dschat-studio convert' output to include (repeat for several)"}),
    plan: option({parse: text, placeholder: "FILE", required: true, example: "run/plan.json", help: "the plan.json to include ('dschat-studio plan --out')"}),
    run: option({parse: text, takes: "list", placeholder: "JOB", help: "a run record to include, by job name as 'dschat-studio runs' lists it (repeat for several)"}),
    out: option({parse: text, placeholder: "DIR", required: true, example: "report/", help: "the folder the site is written to"}),
    tokenizer: option({parse: text, placeholder: "PATH|NAME", help: "also include token statistics ('stats --tokenizer')"}),
    publish: option({parse: text, placeholder: "s3://B/P", help: "upload the site to this S3 location"})
  },
  positionals: {name: "", min: 0, max: 0},
  schema: "report",
  async run({values}, io) {
    const out = resolve(io.cwd, values.out);
    const spec = {kind: "report", files: [] as string[]};
    await restoreOutput(out, spec);
    if (values.publish) parsePublishUri(values.publish); // a bad location fails before any work
    const dataDirs = ((values.data as unknown as string[] | undefined) ?? []).map((dir) => resolve(io.cwd, dir));
    const jobs = (values.run as unknown as string[] | undefined) ?? [];
    const planFile = resolve(io.cwd, values.plan);
    const data = await collectReport({dataDirs, planFile, jobs, tokenizer: values.tokenizer, env: io.env, cwd: io.cwd, documentOf: (name, argv) => commandDocument(name, argv, io)});
    const redacted = redactPaths(data, {dataDirs, planFile, env: io.env, cwd: io.cwd});
    // The site is built inside replaceOutputDir's writer, so that an --out that may not be replaced is refused before
    // the build; the file list is known once built (the marker is written after the writer returns).
    const files: string[] = [];
    let site: BuiltSite | null = null;
    try {
      await replaceOutputDir(out, {
        kind: "report",
        files,
        write: async (folder) => {
          site = await buildReportSite(redacted.json, {env: io.env, forbidden: [...redacted.paths, out, folder]});
          files.push(...site.files);
          for (const file of site.files) {
            await mkdir(dirname(join(folder, file)), {recursive: true});
            await copyFile(join(site.dir, file), join(folder, file));
          }
        }
      });
      const built = site as unknown as BuiltSite;
      const published = values.publish ? await withAwsSession({env: io.env, emulator: values.emulator}, (session) => publishSite(session, built.dir, built.files, values.publish!)) : null;
      const plan = data.plan as {plan: {steps: Array<1 | 2 | 3>; infrastructure: {instance_type: string}}; memory: {steps: Array<{reserved_gib: number}>}; estimate: {fit: Array<{instance_type: string; fits: boolean}>}};
      const doc = versioned("report", {
        out: values.out,
        files: built.files.length,
        bytes: built.bytes,
        datasets: data.datasets.map((d) => ({name: d.name, key: d.key, train: d.counts.train, eval: d.counts.eval, sample_rows: d.sample.length, findings: (d.lint.findings as unknown[]).length, stats: d.stats !== null})),
        plan: {
          steps: plan.plan.steps,
          instance_type: plan.plan.infrastructure.instance_type,
          peak_gib: Math.max(...plan.memory.steps.map((step) => step.reserved_gib)),
          fits: plan.estimate.fit.find((fit) => fit.instance_type === plan.plan.infrastructure.instance_type)?.fits ?? null
        },
        runs: data.runs.map((run) => ({job: run.summary.job, status: run.summary.status, simulated: run.summary.simulated, metric_rows: run.metrics.length})),
        published
      });
      return {
        json: doc,
        text: () =>
          `report: ${doc.files} files (${(doc.bytes / 1024 / 1024).toFixed(1)} MiB) in ${values.out}: ${doc.datasets.length} dataset(s), plan of step(s) ${doc.plan.steps.join(", ")}, ${doc.runs.length} run(s)\n` +
          `  open it with any static file server, e.g. python3 -m http.server -d ${values.out}\n` +
          (published ? `published to ${published.uri} (${published.uploaded} uploaded, ${published.unchanged} unchanged)${published.simulated ? " [SIMULATED: the local emulator]" : ""}\n` : "")
      };
    } finally {
      await (site as BuiltSite | null)?.dispose();
    }
  }
});
