/**
 * "Did you mean": the closest known name to a mistyped one, for unknown options, plan fields and formats.
 * Isomorphic: no Node or DOM imports.
 */

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({length: a.length + 1}, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}

/**
 * The known name closest to `given`, when it is close enough to be a typo: at most a third of the name's length
 * apart (at least 2 edits), or `given` is a prefix of it. Ties go to the earlier candidate.
 */
export function closestName(given: string, candidates: Iterable<string>): string | null {
  const needle = given.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(needle, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  if (best === null) return null;
  const limit = Math.max(2, Math.floor(best.length / 3));
  return bestDistance <= limit || (needle.length >= 3 && best.toLowerCase().startsWith(needle)) ? best : null;
}

/** " Did you mean --max-seq-len?" or "" — to append to an "unknown …" message's fix. */
export function didYouMean(given: string, candidates: Iterable<string>): string {
  const name = closestName(given, candidates);
  return name === null ? "" : `Did you mean ${name}? `;
}
