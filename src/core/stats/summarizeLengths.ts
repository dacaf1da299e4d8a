/**
 * Quantiles and a histogram of token lengths. Isomorphic: no Node or DOM imports.
 */

export interface QuantileValue {
  value: number;
  /**
   * 95% distribution-free interval (order statistics) when the lengths are a sample; equal to `value` when exact. `null`
   * where a sample cannot bound it: below the minimum (p0) and above the maximum (max).
   */
  low: number | null;
  high: number | null;
}

export interface LengthSummary {
  count: number;
  mean: number;
  p0: QuantileValue;
  p50: QuantileValue;
  p90: QuantileValue;
  p95: QuantileValue;
  p99: QuantileValue;
  max: QuantileValue;
  /** `counts[k]` = lengths in `[k * binWidth, (k + 1) * binWidth)`. */
  histogram: {binWidth: number; counts: number[]};
}

const QUANTILES = {p0: 0, p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99, max: 1} as const;
const MAX_BINS = 32;
const Z95 = 1.959963984540054;

/** Nearest-rank quantile: an actual length from the data (`sorted[ceil(q n) - 1]`, the minimum for q = 0). */
export function nearestRank(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** A histogram bin width from 1, 2, 5 × 10^k that covers `maxValue` in at most 32 bins. */
export function niceBinWidth(maxValue: number): number {
  const raw = Math.max(1, maxValue + 1) / MAX_BINS;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= raw) return Math.max(1, step * magnitude);
  return 10 * magnitude;
}

/**
 * `exact` says whether `lengths` are every row (intervals collapse to the value) or a random sample (each quantile gets
 * the order-statistic interval `n q ± 1.96 sqrt(n q (1 - q))`; the sample max is only a lower bound of the true max).
 */
export function summarizeLengths(lengths: ArrayLike<number>, {exact = true, binWidth}: {exact?: boolean; binWidth?: number} = {}): LengthSummary {
  const sorted = Float64Array.from(lengths).sort();
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const quantile = (q: number): QuantileValue => {
    const value = nearestRank(sorted, q);
    if (exact || n === 0) return {value, low: value, high: value};
    const spread = Z95 * Math.sqrt(n * q * (1 - q));
    const lowRank = Math.max(0, Math.floor(n * q - spread) - 1);
    const highRank = Math.min(n - 1, Math.ceil(n * q + spread) - 1);
    return {value, low: q === 0 ? null : sorted[lowRank], high: q === 1 ? null : sorted[Math.max(lowRank, highRank)]};
  };
  const width = binWidth ?? niceBinWidth(n ? sorted[n - 1] : 0);
  const counts = new Array<number>(n ? Math.floor(sorted[n - 1] / width) + 1 : 0).fill(0);
  for (let i = 0; i < n; i++) counts[Math.floor(sorted[i] / width)]++;
  return {
    count: n,
    mean: n ? sum / n : 0,
    p0: quantile(QUANTILES.p0),
    p50: quantile(QUANTILES.p50),
    p90: quantile(QUANTILES.p90),
    p95: quantile(QUANTILES.p95),
    p99: quantile(QUANTILES.p99),
    max: quantile(QUANTILES.max),
    histogram: {binWidth: width, counts}
  };
}
