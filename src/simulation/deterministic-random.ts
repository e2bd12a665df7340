/**
 * Stateless, seedless randomness for the simulation: a value is a pure function of the
 * integers it is keyed by, so every worker, replica and rerun draws the same numbers and a
 * batch that runs twice writes the same rows. MurmurHash3's block mix and fmix32 finalizer,
 * all 32-bit maths through Math.imul, so results are exact and identical on every platform.
 */

const SEED = 0x9e3779b9;
const TWO_POW_32 = 4294967296;

/** Uniform uint32 from any number of safe integers; order and count of parts both matter. */
export function hash32(...parts: number[]): number {
  let h = SEED;
  for (const part of parts) h = mixPart(h, part);
  return finalize(h, parts.length);
}

/** Uniform double in [0, 1) keyed like {@link hash32}. */
export function unitInterval(...parts: number[]): number {
  return toUnitInterval(hash32(...parts));
}

/**
 * `hash32(a, b, c)` without the rest-parameter array, for loops that run per telemetry sample
 * (V8 does not reliably elide that allocation).
 */
export function hash3(a: number, b: number, c: number): number {
  return finalize(mixPart(mixPart(mixPart(SEED, a), b), c), 3);
}

/** Maps a uint32 from {@link hash32} onto [0, 1). */
export function toUnitInterval(hash: number): number {
  return hash / TWO_POW_32;
}

function mixPart(h: number, part: number): number {
  // Whole safe integers only: truncating fractions would silently make 1.2 and 1.7 collide.
  if (!Number.isSafeInteger(part)) throw new RangeError(`hash32 takes safe integers, got ${part}`);
  // Both 32-bit halves, so timestamps in ms and other values above 2^32 hash without collisions.
  return mixWord(mixWord(h, part >>> 0), Math.floor(part / TWO_POW_32) | 0);
}

function mixWord(h: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finalize(h: number, partCount: number): number {
  h ^= partCount;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
