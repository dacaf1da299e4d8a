/**
 * Opens what the Datasets page looks at. A file (the user's, or a shipped sample's own file) is parsed in the upload
 * worker, which keeps its records for every later mapping; a dataset the CLI converted is its canonical table (Arrow),
 * with its manifest, and is not parsed again.
 */
import {html} from "npm:htl";
import type {Manifest} from "../../core/contract/manifest.js";
import {DEFAULT_RECIPE_REASONING, type Recipe} from "../../core/recipe/recipe.js";
import type {Converted, Opened, Progress, ReadTotals} from "../../workers/exploreProtocol.js";
import type {DatasetSource} from "./sourcePicker.js";
import type {ExploreClient} from "./workerClients.js";

/** An entry of src/data/datasets.json (schemas/datasets.schema.json). */
export interface ConvertedEntry {
  key: string;
  label: string;
  sample: string | null;
  manifest: Manifest;
}

export interface SampleEntry {
  name: string;
  title: string;
  file_name: string;
}

export type LoadedSource =
  /** `read` settles when the worker has read the whole file (the first rows are converted and shown before). */
  | {kind: "file"; opened: Opened; sample: SampleEntry | null; read: Promise<ReadTotals>}
  | {kind: "converted"; entry: ConvertedEntry; arrow: Uint8Array};

/** The Datasets list as the cache holds it now: fetched past every HTTP cache (see README, "listed fresh"). */
export async function fetchDatasetList(url: string): Promise<{datasets: ConvertedEntry[]}> {
  const response = await fetch(url, {cache: "no-store"});
  if (!response.ok) throw new Error(`the list of converted datasets did not load: HTTP ${response.status}`);
  return response.json();
}

/**
 * A converted dataset's canonical rows: `npm start` serves them through the data loader (`/_file/data/converted/<key>
 * .arrow`), a static build holds them at `/data/converted/<key>.arrow` (observablehq.config.ts dynamicPaths).
 */
export async function fetchConvertedArrow(key: string): Promise<Uint8Array> {
  // One request, not a probe of both paths (a 404 is logged in the console as an error): Framework's preview serves
  // modules as `/_import/…?sha=…`, a build under content-hashed names without a query.
  const preview = new URL(import.meta.url).searchParams.has("sha");
  const response = await fetch(new URL(preview ? `_file/data/converted/${key}.arrow` : `data/converted/${key}.arrow`, document.baseURI), {cache: "no-store"});
  if (response.ok) return new Uint8Array(await response.arrayBuffer());
  throw new Error(`the rows of dataset ${key} are not served here: it was converted after this site was built (run npm start, or build again)`);
}

export function ProgressView() {
  const bar = html`<progress max="1" value="0"></progress>` as HTMLProgressElement;
  const text = html`<span class="progress-text"></span>` as HTMLSpanElement;
  const element = html`<div class="load-progress" id="load-progress">${bar} ${text}</div>` as HTMLDivElement & {update(progress: Progress): void; done(message: string): void};
  element.update = ({bytesDone, bytesTotal, rows}) => {
    bar.value = bytesTotal ? bytesDone / bytesTotal : 0;
    text.textContent = `read ${(bytesDone / 2 ** 20).toFixed(1)} of ${(bytesTotal / 2 ** 20).toFixed(1)} MiB, ${rows.toLocaleString("en-US")} records`;
  };
  element.done = (message) => {
    bar.value = 1;
    text.textContent = message;
  };
  return element;
}

export async function loadSource(
  source: DatasetSource,
  {explore, samples, sampleFiles, converted, progress}: {explore: ExploreClient; samples: SampleEntry[]; sampleFiles: Record<string, {blob(): Promise<Blob>}>; converted: ConvertedEntry[]; progress: ReturnType<typeof ProgressView>}
): Promise<LoadedSource> {
  if (source.kind === "converted") {
    const entry = converted.find((d) => d.key === source.key);
    if (!entry) throw new Error(`dataset ${source.key} is no longer in the cache; reload the page`);
    const arrow = await fetchConvertedArrow(source.key);
    progress.done(`${entry.manifest.counts.converted.toLocaleString("en-US")} converted rows`);
    return {kind: "converted", entry, arrow};
  }
  let file: Blob, name: string, sample: SampleEntry | null = null;
  if (source.kind === "sample") {
    sample = samples.find((s) => s.name === source.name) ?? null;
    if (!sample || !sampleFiles[sample.name]) throw new Error(`no shipped sample ${source.name}`);
    file = await sampleFiles[sample.name].blob();
    name = sample.file_name;
  } else {
    file = source.file;
    name = source.file.name;
  }
  const opened = await explore.open(file, name);
  const read = explore.read(progress.update).then((totals) => (progress.done(`${totals.rows.toLocaleString("en-US")} records read in ${totals.seconds.toFixed(1)} s`), totals));
  read.catch(() => {}); // the page's cells that await it show the failure
  return {kind: "file", opened, sample, read};
}

export interface Conversion extends Converted {
  /** How convert put rows in eval.json, and with what share (the empty-eval rule depends on both). */
  splitMethod: "source" | "seeded";
  evalRatio: number;
  seed: number;
  /** The canonical table as an Arrow IPC stream, for DuckDB-wasm (the upload worker holds the same rows); null while partial. */
  arrow: () => Promise<Uint8Array>;
  /** What a recipe needs besides the filter. */
  recipe: {inputs: () => Promise<Array<{source: string; bytes: number; sha256: string}>>; format: string | null; map: string | null; baseFilter: string | null; reasoning: Recipe["reasoning"]};
}

/** Records of a file shown converted before the rest: enough for the preview and a first look at the lengths. */
const PARTIAL_ROWS = 500;

/**
 * The loaded source as DS-Chat rows: a file converted in the worker (a partial result for its first records comes
 * first, then every record), or a CLI conversion handed to the worker as it is.
 */
export async function* convertSource(loaded: LoadedSource, choice: {format: string | null; map: string | null}, options: {evalRatio: number; seed: number}, explore: ExploreClient): AsyncGenerator<Conversion> {
  if (loaded.kind === "converted") {
    const {manifest} = loaded.entry;
    const converted = await explore.adopt(loaded.arrow.slice(), {splitMethod: manifest.split.method, evalRatio: manifest.options.eval_ratio, source: loaded.entry.label, manifest, format: manifest.format.name, formatTitle: manifest.format.title});
    yield {
      ...converted,
      splitMethod: manifest.split.method,
      evalRatio: manifest.options.eval_ratio,
      seed: manifest.options.seed,
      arrow: async () => loaded.arrow,
      recipe: {
        inputs: async () => manifest.inputs.map(({source, bytes, sha256}) => ({source, bytes, sha256})),
        format: manifest.options.map ? null : manifest.format.name,
        map: manifest.options.map,
        baseFilter: manifest.options.filter ?? null,
        reasoning: manifest.options.reasoning
      }
    };
    return;
  }
  const {opened} = loaded;
  const shape = (result: Converted): Conversion => ({
    ...result,
    splitMethod: "seeded",
    evalRatio: options.evalRatio,
    seed: options.seed,
    arrow: () => explore.arrow(),
    recipe: {inputs: async () => [{source: opened.name, bytes: opened.bytes, sha256: await explore.digest()}], format: choice.map ? null : result.format, map: choice.map, baseFilter: null, reasoning: DEFAULT_RECIPE_REASONING}
  });
  // Partial results come while the file is read: the newest one is shown, those overtaken are skipped.
  let partial: Converted | null = null;
  let wake: (() => void) | null = null;
  const done = explore.convert({...choice, ...options, partialRows: PARTIAL_ROWS}, (result) => {
    partial = result;
    wake?.();
  });
  for (;;) {
    const next = partial ? null : await Promise.race([done, new Promise<null>((resolve) => (wake = () => resolve(null)))]);
    if (next !== null) break;
    const latest = partial as Converted | null;
    partial = null;
    if (latest) yield shape(latest);
  }
  yield shape(await done);
}
