/**
 * The report's static site: a small Framework project in a temporary folder — one page (site/index.md) importing the
 * studio's own components and core modules, the report's data as one static file (no data loader), the npm libraries
 * from the studio's offline cache — built by `observable build` with no network and none of the caller's environment,
 * then checked file by file: no local path, no secret value of the environment, nothing but what was chosen.
 */
import {spawnSync} from "node:child_process";
import {cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join, relative} from "node:path";
import {UserError} from "../../src/core/contract/userError.js";
import {secretValuesFromEnv} from "../aws/submission.js";
import {PROJECT_ROOT} from "../runs/runRecord.js";

const CONFIG = `// A dschat-studio report: one page, no network (see the studio's README, "Offline build").
export default {
  root: "src",
  title: "dschat-studio report",
  pages: [],
  pager: false,
  sidebar: false,
  globalStylesheets: [],
  theme: ["air", "near-midnight"],
  duckdb: {extensions: {json: null, parquet: null}},
  search: false,
  footer: "Made with dschat-studio report.",
  head: '<link rel="icon" href="data:,">'
};
`;

export interface BuiltSite {
  /** The built site (the temporary project's dist/). */
  dir: string;
  /** Every file, relative, with "/". */
  files: string[];
  bytes: number;
  dispose(): Promise<void>;
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    if (entry.isDirectory()) files.push(...(await listFiles(join(dir, entry.name), `${prefix}${entry.name}/`)));
    else if (entry.isFile()) files.push(`${prefix}${entry.name}`);
  }
  return files.sort();
}

export async function buildReportSite(dataJson: string, {env, forbidden}: {env: NodeJS.ProcessEnv; forbidden: readonly string[]}): Promise<BuiltSite> {
  const prefill = spawnSync(process.execPath, [join(PROJECT_ROOT, "scripts", "offline-npm-cache.mjs")], {cwd: PROJECT_ROOT, encoding: "utf8"});
  if (prefill.status !== 0) throw new Error(`filling the offline npm cache failed: ${prefill.stderr}`);
  const project = await mkdtemp(join(tmpdir(), "dschat-report-"));
  const dispose = () => rm(project, {recursive: true, force: true});
  try {
    const src = join(project, "src");
    await mkdir(join(src, "data"), {recursive: true});
    await writeFile(join(project, "observablehq.config.js"), CONFIG);
    await cp(join(PROJECT_ROOT, "loaders", "report", "site", "index.md"), join(src, "index.md"));
    await writeFile(join(src, "data", "report.json"), dataJson);
    // Only modules: the page imports what it needs, and the build keeps only what is imported.
    for (const folder of ["components", "core"]) await cp(join(PROJECT_ROOT, "src", folder), join(src, folder), {recursive: true, filter: (path) => !/\.(md|json)$/.test(path) || path.endsWith(".ts")});
    await cp(join(PROJECT_ROOT, "src", ".observablehq", "cache", "_npm"), join(src, ".observablehq", "cache", "_npm"), {recursive: true});
    const bin = join(PROJECT_ROOT, "node_modules", ".bin");
    // None of the caller's environment: no credential can reach the build, and $HOME is the project.
    const build = spawnSync(join(bin, "observable"), ["build"], {
      cwd: project,
      encoding: "utf8",
      env: {PATH: `${bin}:${env.PATH ?? "/usr/bin:/bin"}`, HOME: project, OBSERVABLE_TELEMETRY_DISABLE: "true", NODE_OPTIONS: ""},
      maxBuffer: 64 * 1024 * 1024
    });
    if (build.status !== 0) throw new Error(`observable build of the report failed (${build.status}):\n${`${build.stdout}\n${build.stderr}`.slice(-3000)}`);
    const dir = join(project, "dist");
    const files = await listFiles(dir);
    let bytes = 0;
    const secrets = secretValuesFromEnv(env).filter((value) => value.length >= 8);
    const paths = [...new Set([project, ...forbidden])].filter((path) => path.length > 1);
    for (const file of files) {
      const content = await readFile(join(dir, file));
      bytes += content.length;
      const text = content.toString("latin1");
      const path = paths.find((p) => text.includes(p));
      if (path)
        throw new UserError(`the built report's ${file} contains the local path ${relative(project, path) === "" ? "of its build folder" : path}; nothing was written`, {where: {option: "--out"}, fix: "This is a bug in the report's redaction: please report it with the command you ran."});
      if (secrets.some((secret) => text.includes(secret)))
        throw new UserError(`the built report's ${file} contains the value of a secret-named environment variable; nothing was written`, {where: {option: "--out"}, fix: "Check the dataset and plan for pasted credentials (lint shows where), or report a bug."});
    }
    return {dir, files, bytes, dispose};
  } catch (error) {
    await dispose();
    throw error;
  }
}
