/**
 * The seeded train/eval split used when the source has no eval split of its own. Each row is placed by a hash of
 * (seed, row id) alone, so the split streams (no row count needed up front), is reproducible, and a row keeps its side
 * when other rows are added or removed: no train/eval leakage between versions of a dataset. The eval share is
 * therefore close to, not exactly, the ratio (±2·sqrt(n·r) rows); the manifest records the real counts.
 */
export function createEvalSelector(seed: number, ratio: number): (id: string) => boolean {
  if (!(ratio >= 0 && ratio < 1)) throw new RangeError(`eval ratio ${ratio} must be at least 0 and below 1.`);
  const threshold = ratio * 2 ** 32;
  const seedHash = mix32(seed >>> 0 ^ 0x9e3779b9);
  return (id) => mix32(fnv1a(id) ^ seedHash) < threshold;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** murmur3's finalizer: spreads every input bit over the output, so nearby ids do not cluster. */
function mix32(value: number): number {
  let hash = value >>> 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
