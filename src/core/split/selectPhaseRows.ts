/**
 * Which rows of each dataset one DS-Chat phase trains and evaluates on, in DS-Chat's order: the index arithmetic of
 * `create_prompt_dataset` (per-dataset splits, `ConcatDataset`, the blend shuffle, `sft_only_data_path`).
 * Isomorphic: no Node or DOM imports.
 */
import type {Phase} from "../canonical.js";
import {getShuffleIdx, validateSize} from "./getShuffleIdx.js";
import {checkSplitIndex, getRawDatasetSplitIndices, indexFileBaseName, type SplitName} from "./getRawDatasetSplitIndex.js";
import {parseDataSplit} from "./getSplitBoundaries.js";
import {validateSeed} from "./mt19937.js";
import {UserError} from "../contract/userError.js";

export interface PhaseDataset {
  /** DS-Chat's `dataset_name_clean` (see `datasetNameClean`); it names the index files. */
  name: string;
  /** Rows in the dataset's raw `train` split. */
  trainSize: number;
  /** Rows in its own eval split (`test`, `validation`, `dev`, `eval`); null when it has only `train` (9:1 pre-split). */
  evalSize: number | null;
  /**
   * Whether `create_dataset_split` keeps a row in this phase (its DS-Chat strings are not None, and in phase 3 the
   * prompt fits). Dropped rows shrink the blend before its shuffle, so they change everyone's order. Default: all kept.
   */
  keepsRow?: (split: "train" | "eval", row: number) => boolean;
}

export interface SelectPhaseRowsOptions {
  /** `--data_path`, in order. */
  datasets: PhaseDataset[];
  /** `--sft_only_data_path`; DS-Chat reads it in phase 1 only. */
  sftOnly?: PhaseDataset[];
  /** `--data_split`, the raw string (it is part of the file names). */
  dataSplit: string;
  phase: Phase;
  seed: number;
}

export interface SelectedRow {
  /** Index into `[...datasets, ...sftOnly]`. */
  dataset: number;
  /** The raw split the row lives in: a 9:1 dataset's eval rows are rows of its `train` split. */
  split: "train" | "eval";
  /** 0-based row within that raw split. */
  row: number;
}

export interface IndexFile {
  /** DS-Chat's file name inside `data_output_path`. */
  name: string;
  splitName: SplitName;
  indices: Uint32Array;
}

export interface PhaseSelection {
  /** The phase's training rows in the order DS-Chat's final `Subset` yields them. */
  train: SelectedRow[];
  /** The phase's eval rows, likewise (phase 3 builds them but never uses them). */
  eval: SelectedRow[];
  /** Every `.npy` index file this call writes into a fresh `data_output_path`, in write order. */
  files: IndexFile[];
}

const PRE_SPLIT = "9,1";
const SFT_ONLY_SPLIT = "10,0,0";

/** DS-Chat's `create_prompt_dataset(...)` reduced to row selection. */
export function selectPhaseRows(options: SelectPhaseRowsOptions): PhaseSelection {
  const {datasets, dataSplit, phase} = options;
  const seed = validateSeed(options.seed);
  const sftOnly = phase === 1 ? options.sftOnly ?? [] : [];
  if (!datasets.length) throw new UserError("no datasets: DS-Chat needs at least one --data_path entry", {fix: "Pass at least one dataset."});
  if (phase !== 1 && phase !== 2 && phase !== 3) throw new RangeError(`phase ${phase} does not exist: DS-Chat phases are 1, 2 and 3`);
  checkSplitIndex(dataSplit, phase - 1, parseDataSplit(dataSplit).length);

  const writer = new IndexFileWriter(seed);
  const build = (dataset: PhaseDataset, index: number, split: string) => buildDataset(dataset, index, split, phase, writer);

  const built = datasets.map((dataset, i) => build(dataset, i, dataSplit));
  let train = built.length === 1 ? built[0].train : shuffleConcat(seed, built.map((part) => part.train));
  let evaluation = built.length === 1 ? built[0].eval : shuffleConcat(seed, built.map((part) => part.eval));

  if (sftOnly.length) {
    const sftBuilt = sftOnly.map((dataset, i) => build(dataset, datasets.length + i, SFT_ONLY_SPLIT));
    train = shuffleConcat(seed, [train, ...sftBuilt.map((part) => part.train)]);
    evaluation = shuffleConcat(seed, [evaluation, ...sftBuilt.map((part) => part.eval)]);
  }
  return {train, eval: evaluation, files: writer.files()};
}

/** `create_dataset`: the phase's Subset of train and of eval, with `create_dataset_split`'s drops. */
function buildDataset(dataset: PhaseDataset, index: number, dataSplit: string, phase: Phase, writer: IndexFileWriter) {
  const label = `dataset ${index + 1} (${dataset.name})`;
  if (!dataset.name || /[\\/]/.test(dataset.name)) {
    throw new UserError(`${label}: name must be a dataset_name_clean such as "Dahoas_rm_static" or "jsonfile"`, {fix: 'Write the name without "/".'});
  }
  validateSize(dataset.trainSize, `${label}: trainSize`);
  let trainRows: Uint32Array;
  let evalRows: Uint32Array;
  let evalSplit: "train" | "eval";
  if (dataset.evalSize === null) {
    // get_train_data / get_eval_data: nested Subsets of raw["train"], rows 9:1.
    const [trainPart, evalPart] = writer.splits(dataset, label, "train_eval", PRE_SPLIT, dataset.trainSize);
    trainRows = trainPart;
    evalRows = evalPart;
    evalSplit = "train";
  } else {
    validateSize(dataset.evalSize, `${label}: evalSize`);
    trainRows = identity(dataset.trainSize);
    evalRows = identity(dataset.evalSize);
    evalSplit = "eval";
  }
  const trainIndex = writer.splits(dataset, label, "train", dataSplit, trainRows.length)[phase - 1];
  const evalIndex = writer.splits(dataset, label, "eval", dataSplit, evalRows.length)[phase - 1];
  return {
    train: keptRows(dataset, index, "train", trainRows, trainIndex),
    eval: keptRows(dataset, index, evalSplit, evalRows, evalIndex)
  };
}

function keptRows(dataset: PhaseDataset, index: number, split: "train" | "eval", rows: Uint32Array, subset: Uint32Array): SelectedRow[] {
  const selected: SelectedRow[] = [];
  for (const position of subset) {
    const row = rows[position];
    if (!dataset.keepsRow || dataset.keepsRow(split, row)) selected.push({dataset: index, split, row});
  }
  return selected;
}

/** `Subset(ConcatDataset(parts), get_shuffle_idx(seed, total))`. */
function shuffleConcat(seed: number, parts: SelectedRow[][]): SelectedRow[] {
  const concatenated = parts.flat();
  const order = getShuffleIdx(seed, concatenated.length);
  const shuffled = new Array<SelectedRow>(concatenated.length);
  for (let i = 0; i < order.length; i++) shuffled[i] = concatenated[order[i]];
  return shuffled;
}

function identity(size: number): Uint32Array {
  const rows = new Uint32Array(size);
  for (let i = 0; i < size; i++) rows[i] = i;
  return rows;
}

/**
 * The `data_output_path` of one call, starting empty. DS-Chat trusts an existing index file unless the dataset is
 * `jsonfile`, so a second dataset with the same name and a different size would silently get the first one's rows.
 */
class IndexFileWriter {
  private readonly written = new Map<string, IndexFile>();
  private readonly sizes = new Map<string, {size: number; owner: string}>();

  constructor(private readonly seed: number) {}

  splits(dataset: PhaseDataset, label: string, splitName: SplitName, dataSplit: string, size: number): Uint32Array[] {
    const key = indexFileBaseName(dataset.name, this.seed, splitName, dataSplit, 0);
    const earlier = this.sizes.get(key);
    if (earlier && earlier.size !== size && dataset.name !== "jsonfile") {
      throw new UserError(
        `${earlier.owner} and ${label} share dataset_name_clean "${dataset.name}" but have ${earlier.size} and ${size} ` +
          `${splitName} rows: DS-Chat would reuse the first one's index files (${key}, …) for the second and index the wrong rows`,
        {fix: "Blend them as one dataset, or give each its own data_output_path."}
      );
    }
    if (!earlier) this.sizes.set(key, {size, owner: label});
    const parts = getRawDatasetSplitIndices(this.seed, dataSplit, size);
    parts.forEach((indices, k) => {
      const name = indexFileBaseName(dataset.name, this.seed, splitName, dataSplit, k);
      this.written.set(name, {name, splitName, indices});
    });
    return parts;
  }

  files(): IndexFile[] {
    return [...this.written.values()];
  }
}
