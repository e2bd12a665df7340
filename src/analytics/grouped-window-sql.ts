/** The fast path of bottleneck detection: one statement per part over one snapshot. */
import {
  NODE_GROUP_SHIFT,
  NODE_COUNTS,
  NODE_MEANS,
  NODE_STATES,
  BASELINE_STATS,
  NEGATED_PREFIX_SUMS,
  NEGATED_RAW_VALUES,
  PART_COLUMNS,
  partColumnsOf,
  PREFIX_SUMS,
  RAW_STATS,
  RAW_VALUES,
  reachesThreshold,
  ROLE_OF,
  ROLLUP_SUMS,
  SUMS,
} from './window-sql-columns';
import { namedStatement, Placeholders } from './named-statement';
import { WindowBase } from './window-sql';

/** The parameters of both grouped statements: the request's, then those of one part of a run. */
export interface GroupedWindowParams extends WindowBase {
  /** How many parts (connections) score the nodes, and which one this is: node_id % parts. */
  parts: number;
  part: number;
  /** Running-sum rows to add and to subtract (see prefixTerms). */
  prefixPlus: Date[];
  prefixMinus: Date[];
  /** The first minute read from minute rollups. */
  rollupsFrom: Date;
  /** The end of the raw leading samples (see leadRawUntil). */
  leadRawUntil: Date;
}

/** The order of the parameters, which fixes their `$n` in the text PostgreSQL receives. */
const GROUPED_WINDOW_NAMES = [
  'deployment',
  'from',
  'to',
  'wholeFrom',
  'wholeTo',
  'minSamples',
  'threshold',
  'leadMinute',
  'leadByComplement',
  'parts',
  'part',
  'prefixPlus',
  'prefixMinus',
  'rollupsFrom',
  'leadRawUntil',
] as const;

/**
 * The window's per-node sums of one part of the nodes, shared by the statement for the whole
 * deployment and the one by role: running sums where folded, minute rollups after, the
 * leading partial minute from raw samples, and the trailing minute's raw samples where a
 * later sample cuts it. The two CTEs `cut` and `per_node`, without the leading WITH.
 */
const perNodeCtes = ($: Placeholders<GroupedWindowParams>) => {
  const ownPart = `node_id % ${$.parts} = ${$.part}`;
  return `cut AS MATERIALIZED (
    SELECT node_id FROM telemetry_rollups
    WHERE deployment_id = ${$.deployment} AND minute = ${$.wholeTo} AND last_ts > ${$.to}
      -- Checked once on ~1/64 as many rows: usually no group of the trailing minute is cut.
      AND EXISTS (SELECT 1 FROM telemetry_rollup_groups
                  WHERE deployment_id = ${$.deployment} AND minute = ${$.wholeTo} AND last_ts > ${$.to})
  ), per_node AS MATERIALIZED (
    SELECT node_id, sum(n)::int AS n, max(last_ts) AS last_ts, ${SUMS}
    FROM (
      SELECT node_id, n, last_ts, ${PREFIX_SUMS}
      FROM telemetry_prefix_sums
      WHERE ${ownPart} AND deployment_id = ${$.deployment} AND minute = ANY (${$.prefixPlus}::timestamptz[])
      UNION ALL
      SELECT node_id, -n, NULL, ${NEGATED_PREFIX_SUMS}
      FROM telemetry_prefix_sums
      WHERE ${ownPart} AND deployment_id = ${$.deployment} AND minute = ANY (${$.prefixMinus}::timestamptz[])
      UNION ALL
      SELECT node_id, n, last_ts, ${ROLLUP_SUMS}
      FROM telemetry_rollups
      WHERE ${ownPart} AND deployment_id = ${$.deployment} AND minute >= ${$.rollupsFrom} AND minute <= ${$.wholeTo}
        AND NOT (minute = ${$.wholeTo} AND last_ts > ${$.to})
      UNION ALL
      SELECT node_id, 1, "timestamp", ${RAW_VALUES}
      FROM telemetry_samples
      WHERE ${ownPart} AND NOT ${$.leadByComplement} AND deployment_id = ${$.deployment} AND "timestamp" >= ${$.from} AND "timestamp" < ${$.wholeFrom}
      UNION ALL
      SELECT node_id, -1, NULL, ${NEGATED_RAW_VALUES}
      FROM telemetry_samples
      WHERE ${ownPart} AND ${$.leadByComplement} AND deployment_id = ${$.deployment} AND "timestamp" >= ${$.leadMinute} AND "timestamp" < ${$.from}
      UNION ALL
      SELECT node_id, 1, "timestamp", ${RAW_VALUES}
      FROM telemetry_samples
      WHERE ${ownPart} AND deployment_id = ${$.deployment} AND "timestamp" >= ${$.wholeTo} AND "timestamp" <= ${$.to}
        AND node_id IN (SELECT node_id FROM cut)
    ) parts
    GROUP BY node_id
    -- A node whose leading-minute samples all fall before the window nets to nothing.
    HAVING sum(n) > 0
`;
};

/**
 * The fast path, one statement over one snapshot. Per-node means need only plain sums, so every
 * part is fed straight into one per-node aggregate: the minutes [start, whole_to] of the window
 * (start is the leading partial minute when `from` falls early in it, leadByComplement, else
 * the first whole minute), then the raw leading samples: [from, whole_from) added, or
 * [lead_minute, from) subtracted, whichever are fewer (a plain difference of sums, exact to
 * rounding). The minutes come from per-node hourly running sums where folded (prefixPlus added,
 * prefixMinus subtracted rows; see prefixTerms), from minute rollups after that (rollupsFrom
 * on), and from raw samples for the rare nodes whose trailing minute holds samples later than
 * `to`.
 * The zscore baseline (moments of every sample) is folded with the Chan merge from ~1/64 as many
 * group rollups plus the moments of the leading samples: folded 10-second buckets from
 * leadRawUntil on, raw samples before. It holds only when every node
 * has at least min_samples samples (the group rollups cannot leave a node out): the summary row
 * counts the nodes below, and the caller falls back to WINDOW when there are any. With
 * threshold set (zscore), only nodes that can reach it are returned, with a 1e-6 relative slack
 * so the exact decision stays with the detector.
 * Every node is scored by exactly one of `parts` parts: those with node_id % parts = part (see
 * runWindow); the baseline and the summary row are the same in each part.
 */
export const GROUPED_WINDOW = namedStatement<GroupedWindowParams>(
  GROUPED_WINDOW_NAMES,
  ($) => `
  WITH ${perNodeCtes($)}  ), lead AS (
    SELECT n, ${PART_COLUMNS}
    FROM telemetry_prefix_buckets
    WHERE deployment_id = ${$.deployment} AND bucket >= ${$.leadRawUntil} AND bucket < ${$.wholeFrom}
    UNION ALL
    SELECT count(*)::int AS n, ${RAW_STATS}
    FROM telemetry_samples
    WHERE deployment_id = ${$.deployment} AND "timestamp" >= ${$.from} AND "timestamp" < ${$.leadRawUntil}
  ), tail AS (
    SELECT count(*)::int AS n, ${RAW_STATS}
    FROM telemetry_samples
    WHERE deployment_id = ${$.deployment} AND "timestamp" >= ${$.wholeTo} AND "timestamp" <= ${$.to}
      AND node_id IN (SELECT node_id FROM cut)
  ), base AS MATERIALIZED (
    SELECT sum(n) AS samples, ${NODE_STATES}
    FROM (
      SELECT n, ${PART_COLUMNS}
      FROM telemetry_rollup_groups
      WHERE deployment_id = ${$.deployment} AND minute >= ${$.wholeFrom} AND minute <= ${$.wholeTo}
        AND NOT (minute = ${$.wholeTo} AND last_ts > ${$.to})
      UNION ALL
      -- The trailing minute of a group that a later sample cuts: its nodes one by one.
      SELECT n, ${PART_COLUMNS}
      FROM telemetry_rollups r
      WHERE deployment_id = ${$.deployment} AND minute = ${$.wholeTo} AND last_ts <= ${$.to}
        AND (node_id >> ${NODE_GROUP_SHIFT}) IN (SELECT node_group FROM telemetry_rollup_groups
                               WHERE deployment_id = ${$.deployment} AND minute = ${$.wholeTo} AND last_ts > ${$.to})
      UNION ALL
      SELECT n, ${PART_COLUMNS} FROM tail WHERE n > 0
      UNION ALL
      SELECT n, ${PART_COLUMNS} FROM lead WHERE n > 0
    ) parts
  ), stats AS (
    SELECT ${BASELINE_STATS}
    FROM base
  )
  SELECT p.node_id, p.n, ${NODE_MEANS},
         extract(epoch FROM p.last_ts)::float8 AS last_epoch,
         NULL::float8[] AS all_latency_ms, NULL::float8[] AS all_throughput_gbps,
         NULL::float8[] AS all_error_rate, ${NODE_COUNTS} AS metric_samples,
         NULL::bigint AS samples, NULL::int AS analysed,
         (SELECT node_id FROM nodes WHERE id = p.node_id) AS node_identifier
  FROM per_node p, stats s
  WHERE p.n >= ${$.minSamples}
    AND (${$.threshold}::float8 IS NULL
      ${reachesThreshold($.threshold)})
  UNION ALL
  SELECT NULL, (SELECT count(*)::int FROM per_node WHERE n < ${$.minSamples}), NULL, NULL, NULL, NULL,
         latency_ms, throughput_gbps, error_rate, NULL, samples,
         (SELECT count(*)::int FROM per_node WHERE n >= ${$.minSamples}), NULL
  FROM base`,
);

/**
 * GROUPED_WINDOW for a fabric, scoring each node against the nodes of its own role: the same
 * per-node sums and parameters, one baseline per role, one summary row per role.
 * Only the spines and border leaves are read from `nodes` (few; every other node is a leaf).
 * Each role's baseline is folded with the same Chan merge from parts that each hold samples of
 * one role only: the group rollups of the 64-node groups without a spine or border leaf (all
 * leaves); the minute rollups, node by node, of the groups that hold one (the spines and border
 * leaves, numbered first, share a group or two with leaves: a few hundred rows); the 10-second
 * moments per role of the leading minute (telemetry_prefix_role_buckets) and at most 10 s of raw
 * samples before them (the leaves' in one aggregate, the spines' and border leaves' by role),
 * and the raw samples of the trailing minute where a later sample cuts it, grouped by role.
 * Node rows carry their role; the threshold filter uses the node's own role's baseline. The
 * parameters of GROUPED_WINDOW.
 */
export const ROLE_GROUPED_WINDOW = namedStatement<GroupedWindowParams>(
  GROUPED_WINDOW_NAMES,
  ($) => `
  WITH special AS MATERIALIZED (
    SELECT id AS node_id, role FROM nodes WHERE deployment_id = ${$.deployment} AND role <> 'leaf'
  ), special_groups AS MATERIALIZED (
    SELECT DISTINCT node_id >> ${NODE_GROUP_SHIFT} AS node_group FROM special
  ), ${perNodeCtes($)}  ), lead AS (
    SELECT role, n, ${PART_COLUMNS}
    FROM telemetry_prefix_role_buckets
    WHERE deployment_id = ${$.deployment} AND bucket >= ${$.leadRawUntil} AND bucket < ${$.wholeFrom}
    UNION ALL
    -- Raw leading samples: the leaves' in one aggregate, the few others' by role.
    SELECT 'leaf', count(*)::int AS n, ${RAW_STATS}
    FROM telemetry_samples
    WHERE deployment_id = ${$.deployment} AND "timestamp" >= ${$.from} AND "timestamp" < ${$.leadRawUntil}
      AND node_id <> ALL (ARRAY(SELECT node_id FROM special))
    UNION ALL
    SELECT sp.role, count(*)::int AS n, ${RAW_STATS}
    FROM special sp JOIN telemetry_samples s ON s.node_id = sp.node_id
    WHERE s.deployment_id = ${$.deployment} AND s."timestamp" >= ${$.from} AND s."timestamp" < ${$.leadRawUntil}
    GROUP BY sp.role
  ), tail AS (
    SELECT ${ROLE_OF('sp')} AS role, count(*)::int AS n, ${RAW_STATS}
    FROM telemetry_samples s LEFT JOIN special sp ON sp.node_id = s.node_id
    WHERE s.deployment_id = ${$.deployment} AND s."timestamp" >= ${$.wholeTo} AND s."timestamp" <= ${$.to}
      AND s.node_id IN (SELECT node_id FROM cut)
    GROUP BY 1
  ), base AS MATERIALIZED (
    SELECT role, sum(n) AS samples, ${NODE_STATES}
    FROM (
      -- Whole minutes of the groups of leaves only.
      SELECT 'leaf' AS role, n, ${PART_COLUMNS}
      FROM telemetry_rollup_groups
      WHERE deployment_id = ${$.deployment} AND minute >= ${$.wholeFrom} AND minute <= ${$.wholeTo}
        AND NOT (minute = ${$.wholeTo} AND last_ts > ${$.to})
        AND node_group NOT IN (SELECT node_group FROM special_groups)
      UNION ALL
      -- The trailing minute of such a group that a later sample cuts: its nodes one by one.
      SELECT 'leaf', n, ${PART_COLUMNS}
      FROM telemetry_rollups r
      WHERE deployment_id = ${$.deployment} AND minute = ${$.wholeTo} AND last_ts <= ${$.to}
        AND (node_id >> ${NODE_GROUP_SHIFT}) IN (SELECT node_group FROM telemetry_rollup_groups
                               WHERE deployment_id = ${$.deployment} AND minute = ${$.wholeTo} AND last_ts > ${$.to})
        AND (node_id >> ${NODE_GROUP_SHIFT}) NOT IN (SELECT node_group FROM special_groups)
      UNION ALL
      -- Groups with a spine or border leaf: every whole minute node by node.
      SELECT ${ROLE_OF('sp')}, t.n, ${partColumnsOf('t.')}
      FROM telemetry_rollups t LEFT JOIN special sp ON sp.node_id = t.node_id
      WHERE t.deployment_id = ${$.deployment}
        AND t.minute = ANY (ARRAY(SELECT generate_series(${$.wholeFrom}::timestamptz, ${$.wholeTo}::timestamptz, interval '1 minute')))
        AND t.node_id = ANY (ARRAY(SELECT (node_group << ${NODE_GROUP_SHIFT}) + k
                                   FROM special_groups, generate_series(0, ${2 ** 6 - 1}) k))
        AND NOT (t.minute = ${$.wholeTo} AND t.last_ts > ${$.to})
      UNION ALL
      SELECT role, n, ${PART_COLUMNS} FROM tail
      UNION ALL
      SELECT role, n, ${PART_COLUMNS} FROM lead WHERE n > 0
    ) parts
    GROUP BY role
  ), stats AS (
    SELECT role, ${BASELINE_STATS}
    FROM base
  ), counts AS (
    SELECT ${ROLE_OF('sp')} AS role, count(*) FILTER (WHERE p.n < ${$.minSamples})::int AS below,
           count(*) FILTER (WHERE p.n >= ${$.minSamples})::int AS analysed
    FROM per_node p LEFT JOIN special sp ON sp.node_id = p.node_id
    GROUP BY 1
  )
  SELECT p.node_id, p.n, ${NODE_MEANS},
         extract(epoch FROM p.last_ts)::float8 AS last_epoch,
         NULL::float8[] AS all_latency_ms, NULL::float8[] AS all_throughput_gbps,
         NULL::float8[] AS all_error_rate, ${NODE_COUNTS} AS metric_samples,
         NULL::bigint AS samples, NULL::int AS analysed,
         (SELECT node_id FROM nodes WHERE id = p.node_id) AS node_identifier, s.role
  FROM per_node p LEFT JOIN special sp ON sp.node_id = p.node_id
    JOIN stats s ON s.role = ${ROLE_OF('sp')}
  WHERE p.n >= ${$.minSamples}
    AND (${$.threshold}::float8 IS NULL
      ${reachesThreshold($.threshold)})
  UNION ALL
  SELECT NULL, COALESCE(c.below, 0), NULL, NULL, NULL, NULL,
         b.latency_ms, b.throughput_gbps, b.error_rate, NULL, b.samples, COALESCE(c.analysed, 0),
         NULL, b.role
  FROM base b LEFT JOIN counts c ON c.role = b.role`,
);
