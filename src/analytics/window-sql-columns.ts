/** Column lists shared by the bottleneck window statements, one entry per metric. */
import { METRICS } from '../domain/telemetry-metrics';

/** telemetry_rollup_groups.node_group = node_id >> 6 (migration 1764250500000). */
export const NODE_GROUP_SHIFT = 6;

/** The parts of a baseline: mean and M2 per metric. */
export const PART_COLUMNS = METRICS.map((m) => `${m}_mean, ${m}_m2`).join(', ');
/** Mean and M2 per metric of raw samples. */
export const RAW_STATS = METRICS.map(
  (m) => `avg(${m}) AS ${m}_mean, var_pop(${m}) * count(*) AS ${m}_m2`,
).join(', ');
/** Parts folded into {count, sum, M2} per metric with the Chan merge. */
export const NODE_STATES = METRICS.map(
  (m) => `telemetry_moments(ARRAY[n, n * ${m}_mean, ${m}_m2]) AS ${m}`,
).join(', ');
export const SUMS = METRICS.map((m) => `sum(${m}_sum) AS ${m}_sum`).join(', ');
export const ROLLUP_SUMS = METRICS.map((m) => `n * ${m}_mean AS ${m}_sum`).join(', ');

export const RAW_VALUES = METRICS.join(', ');
export const NEGATED_RAW_VALUES = METRICS.map((m) => `-${m}`).join(', ');
export const PREFIX_SUMS = METRICS.map((m) => `${m}_sum`).join(', ');
export const NEGATED_PREFIX_SUMS = METRICS.map((m) => `-${m}_sum`).join(', ');

/** Columns of the parts of a baseline, qualified by a table alias. */
export const partColumnsOf = (alias: string) =>
  METRICS.map((m) => `${alias}.${m}_mean, ${alias}.${m}_m2`).join(', ');

/** The role of a node of a fabric: its entry in `special` (spines, border leaves), else leaf. */
export const ROLE_OF = (alias: string) => `COALESCE(${alias}.role, 'leaf')`;

/** Centre and sample standard deviation per metric of a baseline's {count, sum, M2}. */
export const BASELINE_STATS = METRICS.map(
  (m) => `${m}[2] / nullif(${m}[1], 0) AS ${m}_c,
           CASE WHEN ${m}[1] > 1 THEN sqrt(greatest(${m}[3], 0) / (${m}[1] - 1)) END AS ${m}_sd`,
).join(', ');

/** Per-node means of the summed parts `p`. */
export const NODE_MEANS = METRICS.map((m) => `p.${m}_sum / p.n AS ${m}`).join(', ');

/**
 * The zscore prefilter: a node of `p` whose mean can reach `threshold` standard deviations of
 * the baseline `s` on some metric (low throughput, high latency and error rate), with a 1e-6
 * relative slack so the exact decision stays with the detector.
 */
export const reachesThreshold = (threshold: string) =>
  METRICS.map((m) => {
    const bad =
      m === 'throughput_gbps' ? `s.${m}_c - p.${m}_sum / p.n` : `p.${m}_sum / p.n - s.${m}_c`;
    return `OR ${bad} >= ${threshold} * s.${m}_sd * (1 - 1e-6)`;
  }).join('\n      ');
