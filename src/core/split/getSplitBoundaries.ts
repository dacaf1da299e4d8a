/**
 * DS-Chat's `data_split` arithmetic from `get_raw_dataset_split_index`, in the same double operations Python runs,
 * so the partition sizes match to the row. Isomorphic: no Node or DOM imports.
 */
import {UserError} from "../contract/userError.js";

// What Python's float() accepts that a user would plausibly write; underscores, inf and nan are refused on purpose.
const DECIMAL = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** Parses `--data_split` ("2,4,4") into its weights, refusing what DS-Chat would crash on or silently misuse. */
export function parseDataSplit(dataSplit: string): number[] {
  const fix = 'Pass comma-separated non-negative numbers with a positive sum, one per phase, e.g. "2,4,4" or "10,0,0".';
  if (typeof dataSplit !== "string" || dataSplit.trim() === "") throw new UserError("data_split is empty", {fix});
  const parts = dataSplit.split(",");
  const weights = parts.map((part, i) => {
    if (!DECIMAL.test(part)) {
      throw new UserError(`data_split "${dataSplit}": part ${i + 1} ${JSON.stringify(part)} is not a number (Python's float() in DS-Chat would fail or misread it)`, {fix});
    }
    const weight = Number(part);
    if (weight < 0) throw new UserError(`data_split "${dataSplit}": part ${i + 1} is negative (${part.trim()})`, {fix});
    if (!Number.isFinite(weight)) throw new UserError(`data_split "${dataSplit}": part ${i + 1} overflows a double`, {fix});
    return weight === 0 ? 0 : weight; // -0 and 0 are the same weight
  });
  if (!weights.some((weight) => weight > 0)) {
    throw new UserError(`data_split "${dataSplit}": every weight is 0, so DS-Chat divides by zero`, {fix});
  }
  return weights;
}

/** Python's `round(x)` on a float: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor; // exact for doubles
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Python ≤ 3.11 `sum()`: plain left-to-right double addition. */
function sumLeftToRight(values: number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** Python ≥ 3.12 `sum()` of floats: Neumaier's compensated summation. */
function sumCompensated(values: number[]): number {
  let total = 0;
  let compensation = 0;
  for (const value of values) {
    const next = total + value;
    compensation += Math.abs(total) >= Math.abs(value) ? total - next + value : value - next + total;
    total = next;
  }
  return compensation && Number.isFinite(compensation) ? total + compensation : total;
}

function boundariesFor(weights: number[], splitsSum: number, size: number): number[] {
  const boundaries = [0];
  weights.forEach((weight, i) => boundaries.push(boundaries[i] + roundHalfEven((weight / splitsSum) * size)));
  const diff = boundaries[boundaries.length - 1] - size;
  for (let i = 1; i < boundaries.length; i++) boundaries[i] -= diff;
  return boundaries;
}

/**
 * DS-Chat's `splits_index` for `data_split` over `size` rows: `weights.length + 1` boundaries from 0 to `size`, the
 * first split absorbing the rounding difference. A boundary can come out negative when many weights round up; DS-Chat
 * then slices with Python's negative-index semantics, which `sliceLikePython` reproduces.
 */
export function getSplitBoundaries(dataSplit: string, size: number): number[] {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size ${size} is not a row count (a whole number, 0 or more)`);
  const weights = parseDataSplit(dataSplit);
  const boundaries = boundariesFor(weights, sumLeftToRight(weights), size);
  // Python 3.12 changed sum() of floats; with fractional weights the two sums can differ in the last bit.
  const python312 = boundariesFor(weights, sumCompensated(weights), size);
  if (python312.some((boundary, i) => boundary !== boundaries[i])) {
    throw new UserError(
      `data_split "${dataSplit}" over ${size} rows splits differently under Python 3.12+ ([${python312}]) than under ` +
        `Python 3.11 and older ([${boundaries}]), because sum() of floats changed`,
      {fix: 'Use whole-number weights, e.g. "2,4,4".'}
    );
  }
  return boundaries;
}

/** `values[start:stop]` with Python's slice rules (negative bounds count from the end, out-of-range bounds clamp). */
export function sliceLikePython(values: Uint32Array, start: number, stop: number): Uint32Array {
  const length = values.length;
  const clamp = (bound: number) => (bound < 0 ? Math.max(bound + length, 0) : Math.min(bound, length));
  const from = clamp(start);
  const to = clamp(stop);
  return values.subarray(from, Math.max(from, to));
}
