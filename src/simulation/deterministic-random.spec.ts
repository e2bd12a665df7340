import { hash3, hash32, toUnitInterval, unitInterval } from './deterministic-random';

const N = 100_000;
const BUCKETS = 100;
// chi-square critical value for 99 degrees of freedom at p = 0.001.
const CHI_SQUARE_LIMIT = 148.2;

function chiSquare(counts: number[], total: number): number {
  const expected = total / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

function bucketCounts(draw: (i: number) => number): number[] {
  const counts = new Array<number>(BUCKETS).fill(0);
  for (let i = 0; i < N; i++) counts[Math.floor(draw(i) * BUCKETS)]++;
  return counts;
}

function popCount(x: number): number {
  let bits = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) bits++;
  return bits;
}

describe('hash32', () => {
  // Pinned: these values decide which simulated nodes fail and how long they take, in every
  // process and release. Changing them reshuffles every stored deployment's history.
  it.each([
    [[], 2462723854],
    [[0], 2497570014],
    [[1], 2353003041],
    [[1, 2, 3], 4267611997],
    [[1_700_000_000_000], 306662897],
    [[-1], 405230168],
  ])('hash32(%p) is %i', (parts, expected) => {
    expect(hash32(...parts)).toBe(expected);
  });

  it('is deterministic', () => {
    for (let i = 0; i < 1000; i++) expect(hash32(i, i * 7, -i)).toBe(hash32(i, i * 7, -i));
  });

  it('returns a uint32', () => {
    for (let i = -1000; i < 1000; i++) {
      const h = hash32(i, 3);
      expect(Number.isInteger(h)).toBe(true);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThanOrEqual(0xffffffff);
    }
  });

  it('depends on the order and the number of parts', () => {
    expect(hash32(1, 2)).not.toBe(hash32(2, 1));
    expect(hash32(1)).not.toBe(hash32(1, 0));
    expect(hash32(0)).not.toBe(hash32());
  });

  it('hashes both 32-bit halves of large and negative integers', () => {
    expect(hash32(5)).not.toBe(hash32(5 + 2 ** 32));
    expect(hash32(-1)).not.toBe(hash32(2 ** 32 - 1));
    expect(hash32(Number.MAX_SAFE_INTEGER)).not.toBe(hash32(Number.MAX_SAFE_INTEGER - 2 ** 32));
  });

  it('never collides on distinct single 32-bit parts', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200_000; i++) seen.add(hash32(i));
    expect(seen.size).toBe(200_000);
  });

  it.each([1.5, NaN, Infinity, -Infinity, 2 ** 53])('rejects %p as a part', (part) => {
    expect(() => hash32(1, part)).toThrow(RangeError);
  });

  it('sets every output bit about half the time', () => {
    const ones = new Array<number>(32).fill(0);
    for (let i = 0; i < N; i++) {
      const h = hash32(i);
      for (let bit = 0; bit < 32; bit++) ones[bit] += (h >>> bit) & 1;
    }
    for (const count of ones) expect(Math.abs(count / N - 0.5)).toBeLessThan(0.01);
  });

  it('flips about half the output bits when one input bit flips', () => {
    let flipped = 0;
    let trials = 0;
    for (let i = 0; i < 2000; i++) {
      for (let bit = 0; bit < 32; bit++) {
        flipped += popCount(hash32(i, 42) ^ hash32((i ^ (1 << bit)) >>> 0, 42));
        trials++;
      }
    }
    expect(flipped / trials).toBeGreaterThan(15.5);
    expect(flipped / trials).toBeLessThan(16.5);
  });
});

describe('hash3', () => {
  it('equals hash32 with the same three parts', () => {
    for (let i = 0; i < 5000; i++) {
      const a = i * 7919 - 10_000;
      const b = 1_700_000_000_000 + i * 5000;
      const c = i % 17;
      expect(hash3(a, b, c)).toBe(hash32(a, b, c));
    }
  });

  it('rejects a fractional part', () => {
    expect(() => hash3(1, 2, 0.5)).toThrow(RangeError);
  });
});

describe('unitInterval', () => {
  it('is deterministic and pinned', () => {
    expect(unitInterval(42, 7)).toBe(0.7136250962503254);
    expect(unitInterval(42, 7)).toBe(toUnitInterval(hash32(42, 7)));
  });

  it('stays in [0, 1), including at the extremes of the hash', () => {
    expect(toUnitInterval(0)).toBe(0);
    expect(toUnitInterval(0xffffffff)).toBeLessThan(1);
    let min = 1;
    let max = 0;
    for (let i = 0; i < N; i++) {
      const u = unitInterval(i, 99);
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
  });

  it('is uniform over 100k sequential ids', () => {
    const counts = bucketCounts((i) => unitInterval(i));
    expect(chiSquare(counts, N)).toBeLessThan(CHI_SQUARE_LIMIT);
    for (const c of counts) expect(Math.abs(c - N / BUCKETS)).toBeLessThan(150);
  });

  it('is uniform over 100k (id, small counter) keys', () => {
    const counts = bucketCounts((i) => unitInterval(Math.floor(i / 4), i % 4));
    expect(chiSquare(counts, N)).toBeLessThan(CHI_SQUARE_LIMIT);
  });

  it('is uniform over 100k consecutive timestamps of one node', () => {
    const counts = bucketCounts((i) => unitInterval(17, 1_700_000_000 + i));
    expect(chiSquare(counts, N)).toBeLessThan(CHI_SQUARE_LIMIT);
  });

  it('gives uncorrelated draws for neighbouring keys', () => {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += (unitInterval(i) - 0.5) * (unitInterval(i + 1) - 0.5);
    // Independent uniforms: mean of the product 0, standard error 1/12/sqrt(N) ≈ 0.00026.
    expect(Math.abs(sum / N)).toBeLessThan(0.0015);
  });
});
