/**
 * The statements behind GET /deployments/{id}/bottlenecks. Plain strings and pure helpers, so
 * tests can run them against the database at chosen window ends.
 */
import { METRICS } from './bottleneck-detector';

/** A node row (node_id set) or the one summary row (node_id null). */
export interface WindowRow {
  node_id: number | null;
  /** Node row: its samples in the window. Summary row: nodes below min_samples. */
  n: number;
  latency_ms: number | null;
  throughput_gbps: number | null;
  error_rate: number | null;
  last_epoch: number | null;
  /** Summary row only: {count, sum, M2} of every analysed sample, per metric. */
  all_latency_ms: number[] | null;
  all_throughput_gbps: number[] | null;
  all_error_rate: number[] | null;
  /** Summary row of GROUPED_WINDOW_SQL only: nodes with at least min_samples samples. */
  analysed?: number | null;
}

/** telemetry_rollup_groups.node_group = node_id >> 6 (migration 1764250500000). */
const NODE_GROUP_SHIFT = 6;

const PART_COLUMNS = METRICS.map((m) => `${m}_mean, ${m}_m2`).join(', ');
const RAW_STATS = METRICS.map(
  (m) => `avg(${m}) AS ${m}_mean, var_pop(${m}) * count(*) AS ${m}_m2`,
).join(', ');
const NODE_STATES = METRICS.map(
  (m) => `telemetry_moments(ARRAY[n, n * ${m}_mean, ${m}_m2]) AS ${m}`,
).join(', ');
const SUMS = METRICS.map((m) => `sum(${m}_sum) AS ${m}_sum`).join(', ');
const ROLLUP_SUMS = METRICS.map((m) => `n * ${m}_mean AS ${m}_sum`).join(', ');

const RAW_VALUES = METRICS.join(', ');
const OWN_PART = 'node_id % $10 = $11';
const NEGATED_RAW_VALUES = METRICS.map((m) => `-${m}`).join(', ');

/**
 * The fast path, one statement over one snapshot. Per-node means need only plain sums, so every
 * part is fed straight into one per-node aggregate: whole-minute rollups, the raw samples of the
 * leading partial minute, and raw samples of the rare nodes whose trailing minute holds samples
 * later than `to`. When `from` falls early in its minute ($9), the leading part is that minute's
 * rollup minus the fewer samples before `from` (a plain difference of sums, exact to rounding).
 * The zscore baseline (moments of every sample) is folded with the Chan merge from ~1/64 as many
 * group rollups plus one aggregate over the raw leading samples. It holds only when every node
 * has at least min_samples samples (the group rollups cannot leave a node out): the summary row
 * counts the nodes below, and the caller falls back to WINDOW_SQL when there are any. With $7 set
 * (zscore), only nodes that can reach the threshold are returned, with a 1e-6 relative slack so
 * the exact decision stays with the detector.
 * $1 deployment, $2 from, $3 to, $4 whole_from, $5 whole_to, $6 min_samples, $7 threshold|null,
 * $8 lead_minute, $9 lead_by_complement.
 */
export const GROUPED_WINDOW_SQL = `
  WITH cut AS MATERIALIZED (
    SELECT node_id FROM telemetry_rollups
    WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3
      -- Checked once on ~1/64 as many rows: usually no group of the trailing minute is cut.
      AND EXISTS (SELECT 1 FROM telemetry_rollup_groups
                  WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3)
  ), per_node AS MATERIALIZED (
    SELECT node_id, sum(n)::int AS n, max(last_ts) AS last_ts, ${SUMS}
    FROM (
      SELECT node_id, n, last_ts, ${ROLLUP_SUMS}
      FROM telemetry_rollups
      WHERE ${OWN_PART} AND deployment_id = $1 AND minute >= $4 AND minute <= $5
        AND NOT (minute = $5 AND last_ts > $3)
      UNION ALL
      SELECT node_id, 1, "timestamp", ${RAW_VALUES}
      FROM telemetry_samples
      WHERE ${OWN_PART} AND NOT $9 AND deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $4
      UNION ALL
      SELECT node_id, n, CASE WHEN last_ts >= $2 THEN last_ts END, ${ROLLUP_SUMS}
      FROM telemetry_rollups
      WHERE ${OWN_PART} AND $9 AND deployment_id = $1 AND minute = $8
      UNION ALL
      SELECT node_id, -1, NULL, ${NEGATED_RAW_VALUES}
      FROM telemetry_samples
      WHERE ${OWN_PART} AND $9 AND deployment_id = $1 AND "timestamp" >= $8 AND "timestamp" < $2
      UNION ALL
      SELECT node_id, 1, "timestamp", ${RAW_VALUES}
      FROM telemetry_samples
      WHERE ${OWN_PART} AND deployment_id = $1 AND "timestamp" >= $5 AND "timestamp" <= $3
        AND node_id IN (SELECT node_id FROM cut)
    ) parts
    GROUP BY node_id
    -- A node whose leading-minute samples all fall before the window nets to nothing.
    HAVING sum(n) > 0
  ), lead AS (
    SELECT count(*)::int AS n, ${RAW_STATS}
    FROM telemetry_samples
    WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $4
  ), tail AS (
    SELECT count(*)::int AS n, ${RAW_STATS}
    FROM telemetry_samples
    WHERE deployment_id = $1 AND "timestamp" >= $5 AND "timestamp" <= $3
      AND node_id IN (SELECT node_id FROM cut)
  ), base AS MATERIALIZED (
    SELECT ${NODE_STATES}
    FROM (
      SELECT n, ${PART_COLUMNS}
      FROM telemetry_rollup_groups
      WHERE deployment_id = $1 AND minute >= $4 AND minute <= $5
        AND NOT (minute = $5 AND last_ts > $3)
      UNION ALL
      -- The trailing minute of a group that a later sample cuts: its nodes one by one.
      SELECT n, ${PART_COLUMNS}
      FROM telemetry_rollups r
      WHERE deployment_id = $1 AND minute = $5 AND last_ts <= $3
        AND (node_id >> ${NODE_GROUP_SHIFT}) IN (SELECT node_group FROM telemetry_rollup_groups
                               WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3)
      UNION ALL
      SELECT n, ${PART_COLUMNS} FROM tail WHERE n > 0
      UNION ALL
      SELECT n, ${PART_COLUMNS} FROM lead WHERE n > 0
    ) parts
  ), stats AS (
    SELECT ${METRICS.map(
      (m) => `${m}[2] / nullif(${m}[1], 0) AS ${m}_c,
           CASE WHEN ${m}[1] > 1 THEN sqrt(greatest(${m}[3], 0) / (${m}[1] - 1)) END AS ${m}_sd`,
    ).join(', ')}
    FROM base
  )
  SELECT p.node_id, p.n, ${METRICS.map((m) => `p.${m}_sum / p.n AS ${m}`).join(', ')},
         extract(epoch FROM p.last_ts)::float8 AS last_epoch,
         NULL::float8[] AS all_latency_ms, NULL::float8[] AS all_throughput_gbps,
         NULL::float8[] AS all_error_rate, NULL::int AS analysed
  FROM per_node p, stats s
  WHERE p.n >= $6
    AND ($7::float8 IS NULL
      ${METRICS.map((m) => {
        const bad =
          m === 'throughput_gbps' ? `s.${m}_c - p.${m}_sum / p.n` : `p.${m}_sum / p.n - s.${m}_c`;
        return `OR ${bad} >= $7 * s.${m}_sd * (1 - 1e-6)`;
      }).join('\n      ')})
  UNION ALL
  SELECT NULL, (SELECT count(*)::int FROM per_node WHERE n < $6), NULL, NULL, NULL, NULL,
         latency_ms, throughput_gbps, error_rate,
         (SELECT count(*)::int FROM per_node WHERE n >= $6)
  FROM base`;

/**
 * Settings of every window query. The planner misjudges this shape: JIT compilation and parallel
 * workers cost more than the whole query (measured: 2x slower with workers on two busy cores);
 * it expects few nodes and would sort ~100,000 rows where hashing them is cheaper; and 10,000
 * nodes x 11 parts hash in memory instead of spilling to temp files (measured: about 1.6x faster).
 */
export const WINDOW_SETTINGS = `SELECT set_config('jit', 'off', true),
  set_config('max_parallel_workers_per_gather', '0', true), set_config('work_mem', '64MB', true),
  set_config('enable_sort', 'off', true)`;

/**
 * The general path: per-node (count, mean, M2) folded from whole-minute rollups and raw edge
 * samples, the baseline from the analysed nodes only (so nodes below min_samples are left out
 * with their samples). Whole minutes come from telemetry_rollups; the leading partial minute
 * [from, whole_from) from raw samples; the trailing minute from its rollup when all its samples
 * are <= to (the usual case, since samples stamped later than now are rare), else from raw
 * samples of the nodes it cuts.
 * $1 deployment, $2 from, $3 to, $4 whole_from, $5 whole_to, $6 min_samples.
 */
export const WINDOW_SQL = `
  WITH raw AS (
    SELECT node_id, count(*)::int AS n, max("timestamp") AS last_ts, ${RAW_STATS}
    FROM telemetry_samples
    WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $4
    GROUP BY node_id
    UNION ALL
    SELECT node_id, count(*)::int AS n, max("timestamp") AS last_ts, ${RAW_STATS}
    FROM telemetry_samples
    WHERE deployment_id = $1 AND "timestamp" >= $5 AND "timestamp" <= $3
      AND node_id IN (SELECT node_id FROM telemetry_rollups
                      WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3)
    GROUP BY node_id
  ), parts AS (
    SELECT node_id, n, last_ts, ${PART_COLUMNS}
    FROM telemetry_rollups
    WHERE deployment_id = $1 AND minute >= $4 AND minute <= $5 AND NOT (minute = $5 AND last_ts > $3)
    UNION ALL
    SELECT node_id, n, last_ts, ${PART_COLUMNS} FROM raw
  ), per_node AS (
    SELECT node_id, sum(n)::int AS n, max(last_ts) AS last_ts, ${NODE_STATES}
    FROM parts GROUP BY node_id
  ), analysed AS (
    SELECT * FROM per_node WHERE n >= $6
  )
  SELECT node_id, n, ${METRICS.map((m) => `${m}[2] / ${m}[1] AS ${m}`).join(', ')},
         extract(epoch FROM last_ts)::float8 AS last_epoch,
         NULL::float8[] AS all_latency_ms, NULL::float8[] AS all_throughput_gbps,
         NULL::float8[] AS all_error_rate
  FROM analysed
  UNION ALL
  SELECT NULL, (SELECT count(*)::int FROM per_node WHERE n < $6), NULL, NULL, NULL, NULL,
         ${METRICS.map((m) => `telemetry_moments(${m})`).join(', ')}
  FROM analysed`;

/** The node rows of every part, and one summary row: the baseline plus both parts' counts. */
export function mergeParts(parts: WindowRow[][]): WindowRow[] {
  const summaries = parts.map((rows) => rows.find((r) => r.node_id === null)!);
  const summary: WindowRow = {
    ...summaries[0],
    n: summaries.reduce((sum, r) => sum + r.n, 0),
    analysed: summaries.reduce((sum, r) => sum + (r.analysed ?? 0), 0),
  };
  return [...parts.flatMap((rows) => rows.filter((r) => r.node_id !== null)), summary];
}
