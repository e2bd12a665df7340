/**
 * The general path of bottleneck detection, per-node moments from the minute rollups, and the
 * statements that begin every window read.
 */
import { METRICS } from '../domain/telemetry-metrics';
import { namedStatement, Placeholders } from './named-statement';
import {
  NODE_STATES,
  nodeStatesOf,
  PART_COLUMNS,
  RAW_STATS,
  ROLE_OF,
  STATE_COUNTS,
  STATE_MEANS,
} from './window-sql-columns';

/** The parameters of WINDOW and ROLE_WINDOW: the deployment, the window's edges, min_samples. */
export interface WindowParams {
  deployment: number;
  from: Date;
  to: Date;
  wholeFrom: Date;
  wholeTo: Date;
  minSamples: number;
}

/** What a request asks of every window statement: WindowParams and the fast path's own. */
export interface WindowBase extends WindowParams {
  /** zscore: only nodes that can reach it are returned; null (mad) returns every node. */
  threshold: number | null;
  leadMinute: Date;
  leadByComplement: boolean;
}

/** The order of the parameters, which fixes their `$n` in the text PostgreSQL receives. */
export const WINDOW_NAMES = [
  'deployment',
  'from',
  'to',
  'wholeFrom',
  'wholeTo',
  'minSamples',
] as const;

/**
 * Raw samples of the leading partial minute and of the nodes a later sample cuts from the
 * trailing minute, and the parts of each node (whole-minute rollups and those raw samples): the
 * CTEs `raw` and `parts` of both general statements.
 */
const rawAndParts = ($: Placeholders<WindowParams>) => `raw AS (
    SELECT node_id, count(*)::int AS n, max("timestamp") AS last_ts, ${RAW_STATS}
    FROM telemetry_samples
    WHERE deployment_id = ${$.deployment} AND "timestamp" >= ${$.from} AND "timestamp" < ${$.wholeFrom}
    GROUP BY node_id
    UNION ALL
    SELECT node_id, count(*)::int AS n, max("timestamp") AS last_ts, ${RAW_STATS}
    FROM telemetry_samples
    WHERE deployment_id = ${$.deployment} AND "timestamp" >= ${$.wholeTo} AND "timestamp" <= ${$.to}
      AND node_id IN (SELECT node_id FROM telemetry_rollups
                      WHERE deployment_id = ${$.deployment} AND minute = ${$.wholeTo} AND last_ts > ${$.to})
    GROUP BY node_id
  ), parts AS (
    SELECT node_id, n, last_ts, ${PART_COLUMNS}
    FROM telemetry_rollups
    WHERE deployment_id = ${$.deployment} AND minute >= ${$.wholeFrom} AND minute <= ${$.wholeTo} AND NOT (minute = ${$.wholeTo} AND last_ts > ${$.to})
    UNION ALL
    SELECT node_id, n, last_ts, ${PART_COLUMNS} FROM raw
  `;

/**
 * WINDOW for a fabric: the same per-node moments, each role's baseline from the analysed
 * nodes of that role, one summary row per role with nodes (below min_samples and analysed).
 * The parameters of WINDOW.
 */
export const ROLE_WINDOW = namedStatement<WindowParams>(
  WINDOW_NAMES,
  ($) => `
  WITH special AS MATERIALIZED (
    SELECT id AS node_id, role FROM nodes WHERE deployment_id = ${$.deployment} AND role <> 'leaf'
  ), ${rawAndParts($)}), per_node AS (
    SELECT p.node_id, sum(p.n)::int AS n, max(p.last_ts) AS last_ts,
           min(${ROLE_OF('sp')}) AS role,
           ${nodeStatesOf('p.')}
    FROM parts p LEFT JOIN special sp ON sp.node_id = p.node_id GROUP BY p.node_id
  )
  SELECT node_id, n, ${STATE_MEANS},
         extract(epoch FROM last_ts)::float8 AS last_epoch,
         NULL::float8[] AS all_latency_ms, NULL::float8[] AS all_throughput_gbps,
         NULL::float8[] AS all_error_rate, ${STATE_COUNTS} AS metric_samples,
         NULL::bigint AS samples, NULL::int AS analysed, role
  FROM per_node WHERE n >= ${$.minSamples}
  UNION ALL
  SELECT NULL, count(*) FILTER (WHERE n < ${$.minSamples})::int, NULL, NULL, NULL, NULL,
         ${METRICS.map((m) => `telemetry_moments(${m}) FILTER (WHERE n >= ${$.minSamples})`).join(', ')},
         NULL, sum(n) FILTER (WHERE n >= ${$.minSamples}),
         count(*) FILTER (WHERE n >= ${$.minSamples})::int, role
  FROM per_node GROUP BY role`,
);

/**
 * Settings of every window query. The planner misjudges this shape: JIT compilation and parallel
 * workers cost more than the whole query on busy cores; it expects few nodes and would sort
 * ~100,000 rows where hashing them is cheaper; and 10,000 nodes x 11 parts hash in memory
 * instead of spilling to temp files.
 */
export const WINDOW_SETTINGS = `SELECT set_config('jit', 'off', true),
  set_config('max_parallel_workers_per_gather', '0', true), set_config('work_mem', '64MB', true),
  set_config('enable_sort', 'off', true)`;

/**
 * The settings, the deployment's size (null when it does not exist), whether it has a topology
 * and its running-sum marks, read in the same snapshot as the window.
 */
export const WINDOW_BEGIN = namedStatement<{ deployment: number }>(
  ['deployment'],
  ($) => `${WINDOW_SETTINGS},
  (SELECT target_node_count FROM deployments WHERE id = ${$.deployment}) AS target_node_count,
  (SELECT spine_count IS NOT NULL FROM deployments WHERE id = ${$.deployment}) AS fabric,
  (SELECT since FROM telemetry_prefix_marks WHERE deployment_id = ${$.deployment}) AS since,
  (SELECT until FROM telemetry_prefix_marks WHERE deployment_id = ${$.deployment}) AS until`,
);

/**
 * The general path: per-node (count, mean, M2) folded from whole-minute rollups and raw edge
 * samples, the baseline from the analysed nodes only (so nodes below min_samples are left out
 * with their samples). Whole minutes come from telemetry_rollups; the leading partial minute
 * [from, whole_from) from raw samples; the trailing minute from its rollup when all its samples
 * are <= to (the usual case, since samples stamped later than now are rare), else from raw
 * samples of the nodes it cuts.
 */
export const WINDOW = namedStatement<WindowParams>(
  WINDOW_NAMES,
  ($) => `
  WITH ${rawAndParts($)}), per_node AS (
    SELECT node_id, sum(n)::int AS n, max(last_ts) AS last_ts, ${NODE_STATES}
    FROM parts GROUP BY node_id
  ), analysed AS (
    SELECT * FROM per_node WHERE n >= ${$.minSamples}
  )
  SELECT node_id, n, ${STATE_MEANS},
         extract(epoch FROM last_ts)::float8 AS last_epoch,
         NULL::float8[] AS all_latency_ms, NULL::float8[] AS all_throughput_gbps,
         NULL::float8[] AS all_error_rate, ${STATE_COUNTS} AS metric_samples,
         NULL::bigint AS samples
  FROM analysed
  UNION ALL
  SELECT NULL, (SELECT count(*)::int FROM per_node WHERE n < ${$.minSamples}), NULL, NULL, NULL, NULL,
         ${METRICS.map((m) => `telemetry_moments(${m})`).join(', ')}, NULL, sum(n)
  FROM analysed`,
);

/** ROLE_WINDOW's text, for running it with the values of WINDOW_NAMES in order. */
export const ROLE_WINDOW_SQL = ROLE_WINDOW.text;
