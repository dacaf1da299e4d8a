import {readdir, readFile, stat} from "node:fs/promises";
import {join} from "node:path";
import {MANIFEST_FILE, type Manifest, type PhaseCounts} from "../src/core/contract/manifest.js";
import {versioned} from "../src/core/contract/schemaVersions.js";
import {FORMATS_VERSION} from "../src/core/formats/index.js";
import {UserError} from "../src/core/contract/userError.js";
import {cacheEntryDir, cacheRoot, ENGINE_VERSION, SUMMARY_FILE} from "./engine/cache.js";
import {readCanonicalArrow} from "./engine/canonicalArrow.js";
import {convertDataset} from "./engine/convert.js";
import {readManifest} from "./engine/readManifest.js";
import {samples} from "./samples.js";

/** What a page needs to know about one converted dataset, read from its manifest (schemas/datasets.schema.json). */
export interface ConvertedDataset {
  key: string;
  /** A name no other entry shares: the inputs, format and train rows, and the start of the cache key. */
  label: string;
  /** The input files, as the manifest names them. */
  sources: string[];
  format: string;
  format_title: string;
  read: number;
  rejected: number;
  train: number;
  eval: number;
  /** Rows usable per DS-Chat phase, in train.json and eval.json. */
  phases: {train: PhaseCounts; eval: PhaseCounts};
  /** The shipped sample this is, when it is one. */
  sample: string | null;
  /** The entry's manifest.json as written (schemas/manifest.schema.json): inputs with sha256, options, counts. */
  manifest: Manifest;
}

async function isCurrentEntry(entry: string): Promise<boolean> {
  const versions = await readFile(join(entry, MANIFEST_FILE), "utf8").then((text) => JSON.parse(text) as {engine_version?: unknown; formats_version?: unknown}, () => null);
  return versions?.engine_version === ENGINE_VERSION && versions?.formats_version === FORMATS_VERSION;
}

/**
 * The cache entries this engine version serves, with when each was committed. summary.json is written last: an entry
 * without it is incomplete or being written. Entries of another engine or formats version are stale (this version never
 * serves them: its cache keys differ) and are left out.
 */
async function currentEntries(env: NodeJS.ProcessEnv): Promise<Array<{key: string; entry: string; mtime: number}>> {
  const root = join(cacheRoot(env), "convert");
  const entries = [];
  for (const key of await readdir(root).catch(() => [] as string[])) {
    if (!CACHE_KEY.test(key)) continue;
    const entry = join(root, key);
    const written = await stat(join(entry, SUMMARY_FILE)).catch(() => null);
    if (written && (await isCurrentEntry(entry))) entries.push({key, entry, mtime: written.mtimeMs});
  }
  return entries;
}

const CACHE_KEY = /^[0-9a-f]{32}$/;

/** The paths `observable build` writes a converted dataset's rows to (observablehq.config.ts dynamicPaths). */
export async function convertedDatasetPaths(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  return (await currentEntries(env)).map(({key}) => `/data/converted/${key}.arrow`);
}

/** A converted dataset's canonical rows as an Arrow IPC stream, by its cache key (src/data/converted/[key].arrow.ts). */
export async function convertedArrowStream(key: string, env: NodeJS.ProcessEnv = process.env): Promise<Uint8Array> {
  if (!CACHE_KEY.test(key)) throw new UserError(`${JSON.stringify(key)} is not a cache key (32 hex digits)`, {fix: "Pick a dataset from the list on the Datasets page."});
  return readCanonicalArrow(cacheEntryDir(cacheRoot(env), key), env);
}

/**
 * Every dataset converted on this machine (the engine's cache entries, whatever `convert --out` they were written to),
 * with the shipped samples converted first so that a fresh clone lists them. Newest first after the samples. The
 * document `src/data/datasets.json` serves to the Datasets and Config pages.
 */
export async function listConvertedDatasets(env: NodeJS.ProcessEnv = process.env) {
  const sampleKeys = new Map<string, string>();
  for (const sample of Object.values(samples)) {
    const summary = await convertDataset({paths: [sample.path], out: null, env});
    sampleKeys.set(summary.cacheKey, sample.name);
  }
  const datasets: Array<ConvertedDataset & {mtime: number}> = [];
  for (const {key, entry, mtime} of await currentEntries(env)) {
    const manifest = readManifest(entry)!;
    const sample = sampleKeys.get(key) ?? null;
    const options = [manifest.options.map ? `--map ${manifest.options.map}` : null, manifest.options.filter ? `filter ${manifest.options.filter}` : null].filter(Boolean);
    datasets.push({
      key,
      label: `${sample ? `${samples[sample].title} (shipped sample)` : manifest.inputs.map((input) => input.source).join(", ")} — ${manifest.format.name}${options.length ? `, ${options.join(", ")}` : ""}, ${manifest.counts.train.toLocaleString("en-US")} train rows [${key.slice(0, 8)}]`,
      sources: manifest.inputs.map((input) => input.source),
      format: manifest.format.name,
      format_title: manifest.format.title,
      read: manifest.counts.read,
      rejected: manifest.counts.rejected,
      train: manifest.counts.train,
      eval: manifest.counts.eval,
      phases: manifest.counts.phases,
      sample,
      manifest,
      mtime
    });
  }
  datasets.sort((a, b) => Number(b.sample !== null) - Number(a.sample !== null) || b.mtime - a.mtime || a.key.localeCompare(b.key));
  return versioned("datasets", {datasets: datasets.map(({mtime: _mtime, ...dataset}): ConvertedDataset => dataset)});
}
