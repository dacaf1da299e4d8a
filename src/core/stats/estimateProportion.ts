/**
 * Rates measured on all rows or estimated from a simple random sample without replacement.
 * Isomorphic: no Node or DOM imports.
 */

export interface RateEstimate {
  /** Rows with the property: counted when exact, `rate × population` (rounded) when sampled. */
  count: number;
  /** Rows the rate is over (the population, not the sample). */
  total: number;
  rate: number;
  /** 95% interval for the rate (equal to `rate` when exact). */
  low: number;
  high: number;
  /** Standard error of the rate, with the finite-population correction; 0 when exact. */
  standardError: number;
  exact: boolean;
  /** Sample size behind the estimate (equals `total` when exact). */
  measured: number;
}

const Z95 = 1.959963984540054;

/**
 * `successes` of `measured` sampled rows out of a population of `population`. Exact when every row was measured;
 * otherwise a Wilson score interval on the effective sample size `n (N - 1) / (N - n)`, which is the usual finite-population
 * correction of the variance folded into `n` (it reaches the exact rate as the sample reaches the population).
 */
export function estimateProportion(successes: number, measured: number, population: number): RateEstimate {
  if (measured > population) throw new RangeError(`sample of ${measured} rows is larger than its population of ${population}`);
  if (measured === 0) return {count: 0, total: population, rate: 0, low: 0, high: population === 0 ? 0 : 1, standardError: 0, exact: population === 0, measured};
  const rate = successes / measured;
  if (measured === population) return {count: successes, total: population, rate, low: rate, high: rate, standardError: 0, exact: true, measured};
  const correction = population > 1 ? (population - measured) / (population - 1) : 0;
  const standardError = Math.sqrt((rate * (1 - rate) / measured) * correction);
  const effective = (measured * (population - 1)) / (population - measured);
  const z2 = Z95 * Z95;
  const denominator = 1 + z2 / effective;
  const center = (rate + z2 / (2 * effective)) / denominator;
  const half = (Z95 / denominator) * Math.sqrt((rate * (1 - rate)) / effective + z2 / (4 * effective * effective));
  return {
    count: Math.round(rate * population),
    total: population,
    rate,
    low: Math.max(0, center - half),
    high: Math.min(1, center + half),
    standardError,
    exact: false,
    measured
  };
}
