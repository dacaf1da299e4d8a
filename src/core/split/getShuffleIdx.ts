import {Mt19937} from "./mt19937.js";
import {UserError} from "../contract/userError.js";

/**
 * `get_shuffle_idx` switches from uint32 to int64 indices at `size >= np.iinfo(np.uint32).max - 1`; from there on its
 * `.npy` files and its 64-bit shuffle draws differ, so sizes at or above this are refused rather than approximated.
 */
export const MAX_UINT32_SHUFFLE_SIZE = 0xffffffff - 2;

export function validateSize(size: number, what = "size"): number {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`${what} ${size} is not a row count (a whole number of rows, 0 or more)`);
  }
  if (size > MAX_UINT32_SHUFFLE_SIZE) {
    throw new UserError(
      `${what} ${size} is too large: at 4294967294 rows or more DS-Chat's get_shuffle_idx switches to int64 indices, ` +
        `which this port does not reproduce`,
      {fix: `Split the dataset into parts below ${MAX_UINT32_SHUFFLE_SIZE + 1} rows.`}
    );
  }
  return size;
}

/** numpy's legacy `RandomState.shuffle` on a 1-D array: backward Fisher–Yates over `randomInterval`. */
export function shuffleInPlace(rng: Mt19937, values: Uint32Array): Uint32Array {
  for (let i = values.length - 1; i >= 1; i--) {
    const j = rng.randomInterval(i);
    const kept = values[i];
    values[i] = values[j];
    values[j] = kept;
  }
  return values;
}

/** DS-Chat's `get_shuffle_idx(seed, size)`: `arange(size)` shuffled by `RandomState(seed)`. */
export function getShuffleIdx(seed: number, size: number): Uint32Array {
  validateSize(size);
  const rng = new Mt19937(seed);
  const indices = new Uint32Array(size);
  for (let i = 0; i < size; i++) indices[i] = i;
  return shuffleInPlace(rng, indices);
}
