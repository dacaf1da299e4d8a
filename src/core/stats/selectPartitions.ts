/**
 * Phase P's rows of train.json and eval.json: DS-Chat's `jsonfile` dataset split by `data_split` (create_dataset,
 * dschat/utils/data/data_utils.py:241-268 at 83757d9c), listed in file order so that "duplicate of" examples point back
 * to the earlier row. Used by `stats`/`lint` (a converted directory) and the Datasets page (rows in the browser).
 * Isomorphic: no Node or DOM imports.
 */
import type {Phase} from "../canonical.js";
import {parseDataSplit} from "../split/getSplitBoundaries.js";
import {selectPhaseRows} from "../split/selectPhaseRows.js";
import type {IdentifiedRow, SplitName} from "./computeStats.js";

export interface PhasePartition<T = IdentifiedRow> {
  phase: Phase;
  split: SplitName;
  rows: T[];
}

export function selectPartitions<T = IdentifiedRow>(files: {train: {rows: readonly T[]}; eval: {rows: readonly T[]}}, dataSplit: string, seed: number): PhasePartition<T>[] {
  const phaseCount = Math.min(3, parseDataSplit(dataSplit).length) as 1 | 2 | 3;
  const partitions: PhasePartition<T>[] = [];
  for (let phase = 1 as Phase; phase <= phaseCount; phase++) {
    const selection = selectPhaseRows({
      datasets: [{name: "jsonfile", trainSize: files.train.rows.length, evalSize: files.eval.rows.length}],
      dataSplit,
      phase,
      seed
    });
    const inFileOrder = (selected: {row: number}[], file: readonly T[]) => selected.map(({row}) => row).sort((a, b) => a - b).map((row) => file[row]);
    partitions.push({phase, split: "train", rows: inFileOrder(selection.train, files.train.rows)});
    partitions.push({phase, split: "eval", rows: inFileOrder(selection.eval, files.eval.rows)});
  }
  return partitions;
}
