/**
 * The seeded sample `stats --sample N` (and the Datasets page, on large data) measures instead of every row: split over
 * the partitions in proportion, at least 30 rows each, drawn with DS-Chat's own shuffle. Isomorphic.
 */
import {getShuffleIdx} from "../split/getShuffleIdx.js";

const MIN_SAMPLE_PER_PARTITION = 30;

/**
 * Splits a total sample over partitions in proportion to their usable rows, with at least 30 rows (or all of a smaller
 * partition) each so that small eval partitions still get an interval. `null` = measure everything.
 */
export function allocateSample(sizes: number[], total: number | null): number[] {
  const all = sizes.reduce((sum, size) => sum + size, 0);
  if (total === null || total >= all) return [...sizes];
  return sizes.map((size) => Math.min(size, Math.max(MIN_SAMPLE_PER_PARTITION, Math.round((total * size) / all))));
}

/** The first `count` rows of a seeded permutation (DS-Chat's own `get_shuffle_idx`), kept in file order. */
export function pickSample<T>(rows: T[], count: number, seed: number): T[] {
  if (count >= rows.length) return rows;
  const order = getShuffleIdx(seed, rows.length).subarray(0, count).slice().sort();
  return Array.from(order, (index) => rows[index]);
}
