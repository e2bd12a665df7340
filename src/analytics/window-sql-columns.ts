/** Column lists shared by the bottleneck window statements, one entry per metric. */
import { METRICS } from '../domain/telemetry-metrics';

/** telemetry_rollup_groups.node_group = node_id >> 6 (migration 1764250500000). */
export const NODE_GROUP_SHIFT = 6;

/**
 * Columns of the parts of a baseline, qualified by a table alias: count, mean and M2 per metric.
 * A sample may lack a metric, so each metric has its own count (`n` stays the samples); mean and
 * M2 are null where the count is 0.
 */
export const partColumnsOf = (alias: string) =>
  METRICS.map((m) => `${alias}${m}_n, ${alias}${m}_mean, ${alias}${m}_m2`).join(', ');
/** The parts of a baseline, unqualified. */
export const PART_COLUMNS = partColumnsOf('');
/** Count, mean and M2 per metric of raw samples, each over the samples that carry it. */
export const RAW_STATS = METRICS.map(
  (m) =>
    `count(${m})::int AS ${m}_n, avg(${m}) AS ${m}_mean, var_pop(${m}) * count(${m}) AS ${m}_m2`,
).join(', ');
/** Parts (of the alias) folded into {count, sum, M2} per metric with the Chan merge. */
export const nodeStatesOf = (alias: string) =>
  METRICS.map(
    (m) =>
      `telemetry_moments(ARRAY[${alias}${m}_n, coalesce(${alias}${m}_n * ${alias}${m}_mean, 0), coalesce(${alias}${m}_m2, 0)]) AS ${m}`,
  ).join(', ');
export const NODE_STATES = nodeStatesOf('');
export const SUMS = METRICS.map(
  (m) => `sum(${m}_n)::int AS ${m}_n, sum(${m}_sum) AS ${m}_sum`,
).join(', ');
export const ROLLUP_SUMS = METRICS.map(
  (m) => `${m}_n, coalesce(${m}_n * ${m}_mean, 0) AS ${m}_sum`,
).join(', ');

/** A raw sample as a part of the sums: 1 and the value where it has the metric, else 0 and 0. */
export const RAW_VALUES = METRICS.map((m) => `(${m} IS NOT NULL)::int, coalesce(${m}, 0)`).join(
  ', ',
);
export const NEGATED_RAW_VALUES = METRICS.map(
  (m) => `-(${m} IS NOT NULL)::int, -coalesce(${m}, 0)`,
).join(', ');
export const PREFIX_SUMS = METRICS.map((m) => `${m}_n, ${m}_sum`).join(', ');
export const NEGATED_PREFIX_SUMS = METRICS.map((m) => `-${m}_n, -${m}_sum`).join(', ');

/** The role of a node of a fabric: its entry in `special` (spines, border leaves), else leaf. */
export const ROLE_OF = (alias: string) => `COALESCE(${alias}.role, 'leaf')`;

/** Centre and sample standard deviation per metric of a baseline's {count, sum, M2}. */
export const BASELINE_STATS = METRICS.map(
  (m) => `${m}[2] / nullif(${m}[1], 0) AS ${m}_c,
           CASE WHEN ${m}[1] > 1 THEN sqrt(greatest(${m}[3], 0) / (${m}[1] - 1)) END AS ${m}_sd`,
).join(', ');

/** Per-node mean of one metric of the summed parts `p`: null where the node has none. */
const nodeMean = (m: string) => `p.${m}_sum / nullif(p.${m}_n, 0)`;
/** Per-node means of the summed parts `p`, then their counts per metric (metric_samples). */
export const NODE_MEANS = `${METRICS.map((m) => `${nodeMean(m)} AS ${m}`).join(', ')}`;
export const NODE_COUNTS = `ARRAY[${METRICS.map((m) => `p.${m}_n`).join(', ')}]::int[]`;
/** The same of per-node {count, sum, M2} states named after their metrics. */
export const STATE_MEANS = METRICS.map((m) => `${m}[2] / nullif(${m}[1], 0) AS ${m}`).join(', ');
export const STATE_COUNTS = `ARRAY[${METRICS.map((m) => `${m}[1]`).join(', ')}]::int[]`;

/**
 * The zscore prefilter: a node of `p` whose mean can reach `threshold` standard deviations of
 * the baseline `s` on some metric (low throughput, high latency and error rate), with a 1e-6
 * relative slack so the exact decision stays with the detector.
 */
export const reachesThreshold = (threshold: string) =>
  METRICS.map((m) => {
    // A node without samples of the metric compares as null: not returned for it.
    const bad = m === 'throughput_gbps' ? `s.${m}_c - ${nodeMean(m)}` : `${nodeMean(m)} - s.${m}_c`;
    return `OR ${bad} >= ${threshold} * s.${m}_sd * (1 - 1e-6)`;
  }).join('\n      ');
