// `npm run bench -- convert [--rows 1000000,4000000] [--keep]`: our `convert` against plain native DuckDB
// (`COPY (SELECT * FROM read_json_auto(f)) TO 'x.parquet'`) on the same generated hh-rlhf-shaped JSON Lines, each run
// in its own child process so that wall time and peak RSS are the whole command's. Figures, not a test.
import {spawn} from "node:child_process";
import {createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync} from "node:fs";
import {readFile} from "node:fs/promises";
import {join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {parseArgs} from "node:util";
import {gunzipSync} from "node:zlib";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const OUT = join(ROOT, "bench", "out");

interface Measured {
  seconds: number;
  cpuSeconds: number | null;
  peakRssMiB: number;
  stdout: string;
}

export default async function benchConvert(args: string[]): Promise<void> {
  const {values} = parseArgs({args, options: {rows: {type: "string", default: "1000000,4000000"}, keep: {type: "boolean", default: false}}});
  const sizes = values.rows.split(",").map((text) => Number(text.replaceAll("_", "")));
  if (sizes.some((rows) => !Number.isSafeInteger(rows) || rows <= 0)) throw new Error(`--rows ${values.rows}: give row counts such as 100000 or 1000000,4000000.`);
  const results: string[] = [];
  mkdirSync(OUT, {recursive: true}); // bench/out is git-ignored, so a fresh clone has none
  for (const rows of sizes) {
    const input = await generateHhJsonLines(rows);
    const loadBefore = (await import("node:os")).loadavg()[0];
    const megabytes = statSync(input).size / 1e6;
    const cache = join(OUT, `cache-${rows}`);
    const out = join(OUT, `convert-${rows}`);
    rmSync(cache, {recursive: true, force: true});
    rmSync(out, {recursive: true, force: true});
    const ours = await measure(process.execPath, ["bin/dschat-studio.js", "convert", input, "--out", out, "--json"], {DSCHAT_STUDIO_CACHE: cache});
    const summary = JSON.parse(ours.stdout) as {rows_read: number; rows_converted: number};
    if (summary.rows_converted !== rows) throw new Error(`convert converted ${summary.rows_converted} of ${rows} rows`);
    const hit = await measure(process.execPath, ["bin/dschat-studio.js", "convert", input, "--out", out, "--json"], {DSCHAT_STUDIO_CACHE: cache});
    const parquet = join(OUT, `duckdb-${rows}.parquet`);
    const duckdb = await measure(process.execPath, ["--input-type=module", "-e", duckdbCopyScript(input, parquet)], {});
    const cpu = (run: Measured) => (run.cpuSeconds === null ? "" : `, CPU ${run.cpuSeconds.toFixed(1)} s`);
    results.push(
      [
        `${rows.toLocaleString("en-US")} rows, ${megabytes.toFixed(0)} MB (1-minute load average before the runs: ${loadBefore.toFixed(1)})`,
        `  dschat-studio convert            ${ours.seconds.toFixed(1)} s${cpu(ours)}, peak RSS ${ours.peakRssMiB.toFixed(0)} MiB`,
        `  dschat-studio convert, cache hit ${hit.seconds.toFixed(1)} s${cpu(hit)}, peak RSS ${hit.peakRssMiB.toFixed(0)} MiB`,
        `  DuckDB read_json_auto → Parquet  ${duckdb.seconds.toFixed(1)} s${cpu(duckdb)}, peak RSS ${duckdb.peakRssMiB.toFixed(0)} MiB`,
        `  ratio  ${(ours.seconds / duckdb.seconds).toFixed(2)}× the plain copy's wall time (target ≤ 1.5×)` +
          (ours.cpuSeconds !== null && duckdb.cpuSeconds ? `, ${(ours.cpuSeconds / duckdb.cpuSeconds).toFixed(2)}× its CPU time` : "")
      ].join("\n")
    );
    console.log(results.at(-1));
    if (!values.keep) {
      rmSync(cache, {recursive: true, force: true});
      rmSync(out, {recursive: true, force: true});
      rmSync(parquet, {force: true});
    }
  }
  console.log(`\nmachine: ${(await import("node:os")).cpus().length} cores, node ${process.version}\n\n${results.join("\n\n")}`);
}

/** hh-rlhf-shaped rows: the harmless-base test transcripts cycled, each made unique by a row-number suffix. */
export async function generateHhJsonLines(rows: number): Promise<string> {
  const path = join(OUT, `hh-${rows}.jsonl`);
  if (existsSync(path)) return path;
  const fixture = gunzipSync(readFileSync(join(ROOT, "test/fixtures/hh-rlhf/harmless-base/test.jsonl.gz"))).toString("utf8");
  const records = fixture.split("\n").filter(Boolean).map((line) => JSON.parse(line) as {chosen: string; rejected: string});
  const temp = `${path}.tmp`;
  const stream = createWriteStream(temp);
  let lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const {chosen, rejected} = records[i % records.length];
    lines.push(JSON.stringify({chosen: `${chosen} #${i}`, rejected: `${rejected} #${i}`}));
    if (lines.length === 2000 || i === rows - 1) {
      if (!stream.write(lines.join("\n") + "\n")) await new Promise<void>((resolve) => stream.once("drain", () => resolve()));
      lines = [];
    }
  }
  await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  (await import("node:fs")).renameSync(temp, path);
  return path;
}

function duckdbCopyScript(input: string, parquet: string): string {
  const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
  return [
    `import {DuckDBInstance} from "@duckdb/node-api";`,
    `const connection = await (await DuckDBInstance.create(":memory:")).connect();`,
    `await connection.run(${JSON.stringify(`COPY (SELECT * FROM read_json_auto(${literal(input)})) TO ${literal(parquet)} (FORMAT parquet)`)});`
  ].join("\n");
}

/**
 * Runs a command and measures wall time, CPU time (user + system, less disturbed than wall time on a shared machine)
 * and peak RSS: through GNU time when /usr/bin/time exists, else by sampling VmHWM from /proc (no CPU time then).
 */
export function measure(command: string, args: string[], env: Record<string, string>): Promise<Measured> {
  const gnuTime = existsSync("/usr/bin/time");
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const [file, argv] = gnuTime ? ["/usr/bin/time", ["-f", "BENCH-RUSAGE %U %S %M", command, ...args]] : [command, args];
    const child = spawn(file, argv, {cwd: ROOT, env: {...process.env, ...env}, stdio: ["ignore", "pipe", "pipe"]});
    let stdout = "";
    let stderr = "";
    let peakKiB = 0;
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const sample = async () => {
      const status = await readFile(`/proc/${child.pid}/status`, "utf8").catch(() => "");
      const match = /VmHWM:\s+(\d+) kB/.exec(status);
      if (match) peakKiB = Math.max(peakKiB, Number(match[1]));
    };
    const timer = gnuTime ? null : setInterval(sample, 50);
    child.on("error", reject);
    child.on("exit", (code) => {
      if (timer) clearInterval(timer);
      const seconds = (performance.now() - started) / 1000;
      const usage = /BENCH-RUSAGE ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
      process.stderr.write(stderr.replace(/^BENCH-RUSAGE .*\n?/m, ""));
      const cpuSeconds = usage ? Number(usage[1]) + Number(usage[2]) : null;
      if (usage) peakKiB = Number(usage[3]);
      if (code !== 0) reject(new Error(`${command} ${args.slice(0, 2).join(" ")} exited with ${code}`));
      else resolvePromise({seconds, cpuSeconds, peakRssMiB: peakKiB / 1024, stdout});
    });
  });
}
