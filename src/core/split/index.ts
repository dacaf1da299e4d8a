/** DS-Chat's exact phase split (`data_utils.py`): numpy's shuffle, `data_split` boundaries, index files, blending. */
export {Mt19937, MAX_SEED, validateSeed} from "./mt19937.js";
export {getShuffleIdx, shuffleInPlace, validateSize, MAX_UINT32_SHUFFLE_SIZE} from "./getShuffleIdx.js";
export {getSplitBoundaries, parseDataSplit, roundHalfEven, sliceLikePython} from "./getSplitBoundaries.js";
export {
  getRawDatasetSplitIndex,
  getRawDatasetSplitIndices,
  indexFileName,
  indexFileBaseName,
  checkSplitIndex,
  type SplitName
} from "./getRawDatasetSplitIndex.js";
export {encodeNpyUint32, decodeNpyUint32} from "./encodeNpyUint32.js";
export {datasetNameClean, findBuiltinDataset, BUILTIN_DATASETS, type BuiltinDataset} from "./datasetNameClean.js";
export {
  selectPhaseRows,
  type PhaseDataset,
  type SelectPhaseRowsOptions,
  type SelectedRow,
  type IndexFile,
  type PhaseSelection
} from "./selectPhaseRows.js";
