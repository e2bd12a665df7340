import { METRICS } from '../../src/domain/telemetry-metrics';

/**
 * A sample's metrics with some left out, the way real sources send them: node `index` % 4 = 1
 * lacks latency in about a third of its samples, % 11 = 7 never reports throughput, and about
 * one sample in ten lacks its error rate (never all three).
 */
export function withGaps(index: number, values: number[], random: () => number): (number | null)[] {
  const [latency, throughput, errors] = values;
  const lat = index % 4 === 1 && random() < 0.3 ? null : latency;
  const thr = index % 11 === 7 ? null : throughput;
  return [lat, thr, random() < 0.1 && (lat !== null || thr !== null) ? null : errors];
}

/** A node's mean and count of each metric over raw rows, in SQL (nulls skipped). */
export const RAW_NODE_METRICS = (alias: string) =>
  METRICS.map((m) => `avg(${alias}${m}) AS ${m}, count(${alias}${m})::int AS ${m}_n`).join(', ');
/** Count, mean and M2 of each metric over raw rows, in SQL (nulls skipped). */
export const RAW_MOMENTS = (alias: string) =>
  METRICS.map(
    (m) =>
      `count(${alias}${m})::int AS ${m}_n, avg(${alias}${m}) AS ${m}_mean, var_pop(${alias}${m}) * count(${alias}${m}) AS ${m}_m2`,
  ).join(', ');

/** Equal to rounding, or both null. */
export function expectSame(actual: number | null, expected: number | null, tolerance: number) {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(
    tolerance * Math.max(1, Math.abs(expected)),
  );
}
