import {readdir, readFile, stat} from "node:fs/promises";
import {join} from "node:path";
import {MANIFEST_FILE, type Manifest, type PhaseCounts} from "../src/core/contract/manifest.js";
import {versioned} from "../src/core/contract/schemaVersions.js";
import {UserError} from "../src/core/contract/userError.js";
import {isSystemError} from "./fs/fsErrors.js";
import {FORMATS_VERSION} from "../src/core/formats/index.js";
import {cacheEntryDir, cacheRoot, ENGINE_VERSION, entryMismatch, readStoredEntry, SUMMARY_FILE, verifiesFully} from "./engine/cache.js";
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

/**
 * Every dataset converted on this machine (the engine's cache entries, whatever `convert --out` they were written to),
 * with the shipped samples converted first so that a fresh clone lists them. Newest first after the samples. The
 * document `src/data/datasets.json` serves to the Datasets and Config pages. An entry that is incomplete, damaged (it fails the
 * cache's check) or unreadable is left out with a warning on stderr, never a failed build: `convert` rebuilds it.
 */
async function isCurrentEntry(entry: string): Promise<boolean> {
  const versions = await readFile(join(entry, MANIFEST_FILE), "utf8").then((text) => JSON.parse(text) as {engine_version?: unknown; formats_version?: unknown}, () => null);
  return versions?.engine_version === ENGINE_VERSION && versions?.formats_version === FORMATS_VERSION;
}

const CACHE_KEY = /^[0-9a-f]{32}$/;

/**
 * The paths `observable build` writes a converted dataset's rows to (observablehq.config.ts dynamicPaths): every
 * complete entry of this engine version, the shipped samples' included (the loader itself checks an entry when it reads it).
 */
export async function convertedDatasetPaths(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  // The samples first, as the list does: a fresh clone's build then holds the rows of every dataset it lists.
  await convertSamples(env);
  const root = join(cacheRoot(env), "convert");
  const paths: string[] = [];
  for (const key of await readdir(root).catch(() => [] as string[])) {
    if (!CACHE_KEY.test(key)) continue;
    const entry = join(root, key);
    if ((await stat(join(entry, SUMMARY_FILE)).catch(() => null)) && (await isCurrentEntry(entry))) paths.push(`/data/converted/${key}.arrow`);
  }
  return paths;
}

/** A converted dataset's canonical rows as an Arrow IPC stream, by its cache key (src/data/converted/[key].arrow.ts). */
export async function convertedArrowStream(key: string, env: NodeJS.ProcessEnv = process.env): Promise<Uint8Array> {
  if (!CACHE_KEY.test(key)) throw new UserError(`${JSON.stringify(key)} is not a cache key (32 hex digits)`, {fix: "Pick a dataset from the list on the Datasets page."});
  return readCanonicalArrow(cacheEntryDir(cacheRoot(env), key), env);
}

/** The label of an entry in the lists: what went in, how, and how many rows, with the start of its key (unique). */
function datasetLabel(key: string, manifest: Manifest, sample: string | null): string {
  const options = [manifest.options.map ? `--map ${manifest.options.map}` : null, manifest.options.filter ? `filter ${manifest.options.filter}` : null].filter(Boolean);
  const what = sample ? `${samples[sample].title} (shipped sample)` : manifest.inputs.map((input) => input.source).join(", ");
  return `${what} — ${manifest.format.name}${options.length ? `, ${options.join(", ")}` : ""}, ${manifest.counts.train.toLocaleString("en-US")} train rows [${key.slice(0, 8)}]`;
}

/** Converts the shipped samples into the cache (a cache hit after the first time): cache key → sample name. */
async function convertSamples(env: NodeJS.ProcessEnv): Promise<Map<string, string>> {
  const sampleKeys = new Map<string, string>();
  for (const sample of Object.values(samples)) {
    const summary = await convertDataset({paths: [sample.path], out: null, env});
    sampleKeys.set(summary.cacheKey, sample.name);
  }
  return sampleKeys;
}

export async function listConvertedDatasets(env: NodeJS.ProcessEnv = process.env, warn: (message: string) => void = (message) => process.stderr.write(`warning: ${message}\n`)) {
  const sampleKeys = await convertSamples(env);
  const root = join(cacheRoot(env), "convert");
  const datasets: Array<ConvertedDataset & {mtime: number}> = [];
  for (const key of await readdir(root).catch(() => [] as string[])) {
    if (!CACHE_KEY.test(key)) continue; // staging, discarded and lock files
    const entry = join(root, key);
    try {
      // summary.json is written last: an entry without it is incomplete. Entries of another engine or formats version
      // are stale (this version never serves them: its cache keys differ) and are left out.
      const written = await stat(join(entry, SUMMARY_FILE)).catch(() => null);
      if (!written) continue;
      const stored = await readStoredEntry(entry);
      const damage = stored ? await entryMismatch(entry, stored.files, {full: verifiesFully(env)}) : `${SUMMARY_FILE} is unreadable or from an older version`;
      if (damage) {
        warn(`skipped the converted dataset in ${entry}: ${damage} (run 'dschat-studio convert' on its inputs again to rebuild it)`);
        continue;
      }
      if (!(await isCurrentEntry(entry))) continue;
      const manifest = readManifest(entry)!;
      const sample = sampleKeys.get(key) ?? null;
      datasets.push({
        key,
        label: datasetLabel(key, manifest, sample),
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
        mtime: written.mtimeMs
      });
    } catch (error) {
      // An unreadable entry (a bad manifest, a file that vanished) is skipped; anything else is a bug.
      if (!(error instanceof UserError) && !isSystemError(error)) throw error;
      warn(`skipped the converted dataset in ${entry}: ${(error as Error).message}`);
    }
  }
  datasets.sort((a, b) => Number(b.sample !== null) - Number(a.sample !== null) || b.mtime - a.mtime || a.key.localeCompare(b.key));
  return versioned("datasets", {datasets: datasets.map(({mtime: _mtime, ...dataset}): ConvertedDataset => dataset)});
}
