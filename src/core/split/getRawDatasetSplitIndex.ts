/**
 * DS-Chat's `get_raw_dataset_split_index`: which rows of one split a phase gets, and the index files it names.
 * Isomorphic: no Node or DOM imports.
 */
import {getShuffleIdx} from "./getShuffleIdx.js";
import {getSplitBoundaries, sliceLikePython} from "./getSplitBoundaries.js";
import {UserError} from "../contract/userError.js";

/** `split_name` in DS-Chat's index file names: a dataset's own splits, or the 9:1 pre-split of its train rows. */
export type SplitName = "train" | "eval" | "train_eval";

/** `{dataset_name}_seed{seed}_{split_name}_{data_split}_{split_index}.npy`, without the directory. */
export function indexFileBaseName(
  datasetNameClean: string,
  seed: number | null,
  splitName: SplitName,
  dataSplit: string,
  splitIndex: number
): string {
  // Python formats None as "None"; that file exists on disk but its contents can never be reproduced.
  return `${datasetNameClean}_seed${seed === null ? "None" : seed}_${splitName}_${dataSplit}_${splitIndex}.npy`;
}

/** DS-Chat's `index_file_name`: `f"{output_path}/{...}.npy"`, joined with "/" exactly as DS-Chat does (no normalising). */
export function indexFileName(
  outputPath: string,
  datasetNameClean: string,
  seed: number | null,
  splitName: SplitName,
  dataSplit: string,
  splitIndex: number
): string {
  return `${outputPath}/${indexFileBaseName(datasetNameClean, seed, splitName, dataSplit, splitIndex)}`;
}

/** Every split's index list, as DS-Chat writes them all at once (`..._0.npy`, `..._1.npy`, …). */
export function getRawDatasetSplitIndices(seed: number, dataSplit: string, size: number): Uint32Array[] {
  const boundaries = getSplitBoundaries(dataSplit, size);
  const shuffled = getShuffleIdx(seed, size);
  return boundaries.slice(0, -1).map((start, k) => sliceLikePython(shuffled, start, boundaries[k + 1]).slice());
}

/** The index list of split `splitIndex` (phase - 1) over `size` rows: DS-Chat's `get_raw_dataset_split_index(...)`. */
export function getRawDatasetSplitIndex(seed: number, dataSplit: string, splitIndex: number, size: number): Uint32Array {
  const splits = getRawDatasetSplitIndices(seed, dataSplit, size);
  return splits[checkSplitIndex(dataSplit, splitIndex, splits.length)];
}

/** DS-Chat writes one file per weight and then loads `_{phase-1}.npy`; a missing one is a FileNotFoundError there. */
export function checkSplitIndex(dataSplit: string, splitIndex: number, splitCount: number): number {
  if (!Number.isInteger(splitIndex) || splitIndex < 0 || splitIndex >= splitCount) {
    throw new UserError(
      `data_split "${dataSplit}" has ${splitCount} part${splitCount === 1 ? "" : "s"}, so there is no split ${splitIndex} ` +
        `(phase ${splitIndex + 1}): DS-Chat would fail with FileNotFoundError on its index file`,
      {fix: 'Give one weight per phase, e.g. "2,4,4", or "10,0,0" / "0,10,0" / "0,0,10" to use every row in one phase.'}
    );
  }
  return splitIndex;
}
