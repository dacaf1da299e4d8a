import {readdir, readFile, stat} from "node:fs/promises";
import {join} from "node:path";
import {MANIFEST_FILE} from "./engine/atomicDir.js";
import {cacheRoot, SUMMARY_FILE} from "./engine/cache.js";
import {convertDataset} from "./engine/convert.js";
import {samples} from "./samples.js";

type PhaseCounts = Record<"1" | "2" | "3", number>;

/** What a page needs to know about one converted dataset, read from its manifest. */
export interface ConvertedDataset {
  key: string;
  /** The input files, as the manifest names them. */
  sources: string[];
  format: string;
  formatTitle: string;
  read: number;
  rejected: number;
  train: number;
  eval: number;
  /** Rows usable per DS-Chat phase, in train.json and eval.json. */
  phases: {train: PhaseCounts; eval: PhaseCounts};
  /** The shipped sample this is, when it is one. */
  sample: string | null;
}

/**
 * Every dataset converted on this machine (the engine's cache entries, whatever `convert --out` they were written to),
 * with the shipped samples converted first so that a fresh clone lists them. Newest first after the samples.
 */
export async function listConvertedDatasets(env: NodeJS.ProcessEnv = process.env): Promise<ConvertedDataset[]> {
  const sampleKeys = new Map<string, string>();
  for (const sample of Object.values(samples)) {
    const summary = await convertDataset({paths: [sample.path], out: null, env});
    sampleKeys.set(summary.cacheKey, sample.name);
  }
  const root = join(cacheRoot(env), "convert");
  const datasets: Array<ConvertedDataset & {mtime: number}> = [];
  for (const key of await readdir(root).catch(() => [] as string[])) {
    const entry = join(root, key);
    // summary.json is written last: an entry without it is incomplete or being written.
    const [written, manifestText] = await Promise.all([
      stat(join(entry, SUMMARY_FILE)).catch(() => null),
      readFile(join(entry, MANIFEST_FILE), "utf8").catch(() => null)
    ]);
    if (written === null || manifestText === null) continue;
    const manifest = JSON.parse(manifestText);
    datasets.push({
      key,
      sources: manifest.inputs.map((input: {source: string}) => input.source),
      format: manifest.format.name,
      formatTitle: manifest.format.title,
      read: manifest.counts.read,
      rejected: manifest.counts.rejected,
      train: manifest.counts.train,
      eval: manifest.counts.eval,
      phases: manifest.counts.phases,
      sample: sampleKeys.get(key) ?? null,
      mtime: written.mtimeMs
    });
  }
  datasets.sort((a, b) => Number(b.sample !== null) - Number(a.sample !== null) || b.mtime - a.mtime || a.key.localeCompare(b.key));
  return datasets.map(({mtime: _mtime, ...dataset}) => dataset);
}
