/**
 * The statements behind GET /deployments/{id}/bottlenecks. Plain strings and pure helpers, so
 * tests can run them against the database at chosen window ends.
 */
import { AnalysisWindow } from '../domain/analysis-window';
import { NodeRole } from '../domain/node-role';
import { METRICS } from '../domain/telemetry-metrics';
import { HOUR_MS, MINUTE_MS } from '../domain/time';

/** Which minutes telemetry_prefix_sums holds for a deployment: [since, until). */
export interface PrefixMarks {
  since: Date;
  until: Date;
}

/** How GROUPED_WINDOW_SQL reads the whole minutes [start, wholeTo] of a window. */
export interface PrefixTerms {
  /** Running-sum rows to add ($12) and to subtract ($13). */
  plus: Date[];
  minus: Date[];
  /** The first minute read from minute rollups ($14). */
  rollupsFrom: Date;
}

/**
 * The running sums restart every UTC hour, so minutes [start, last] are the row at `last`, plus
 * the last row of every earlier hour they touch, minus the row just before `start` if that is in
 * start's hour. Only folded minutes are used (the trailing minute never: samples later than `to`
 * may cut it); the rest come from minute rollups.
 */
export function prefixTerms(start: Date, wholeTo: Date, marks: PrefixMarks | null): PrefixTerms {
  const none = { plus: [], minus: [], rollupsFrom: start };
  if (!marks || start.getTime() < marks.since.getTime()) return none;
  const last = Math.min(wholeTo.getTime(), marks.until.getTime()) - MINUTE_MS;
  if (last < start.getTime()) return none;
  const hourOf = (t: number) => Math.floor(t / HOUR_MS) * HOUR_MS;
  const plus = [new Date(last)];
  const minus =
    start.getTime() > hourOf(start.getTime()) ? [new Date(start.getTime() - MINUTE_MS)] : [];
  for (let h = hourOf(last); h > hourOf(start.getTime()); h -= HOUR_MS)
    plus.push(new Date(h - MINUTE_MS));
  return { plus, minus, rollupsFrom: new Date(last + MINUTE_MS) };
}

/**
 * Where the raw leading samples of the baseline end: the leading minute's folded 10-second
 * buckets cover the rest, so at most 10 s of raw samples are read. Unfolded: the whole minute.
 */
export function leadRawUntil(
  window: Pick<AnalysisWindow, 'from' | 'wholeFrom' | 'leadMinute'>,
  marks: PrefixMarks | null,
): Date {
  const lead = window.leadMinute.getTime();
  const folded =
    marks && marks.since.getTime() <= lead && lead + MINUTE_MS <= marks.until.getTime();
  if (!folded) return window.wholeFrom;
  return new Date(
    Math.min(Math.ceil(window.from.getTime() / 10_000) * 10_000, window.wholeFrom.getTime()),
  );
}

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
  /** Node rows of GROUPED_WINDOW_SQL: the node's name (node-001). */
  node_identifier?: string | null;
  /**
   * The statements by role (ROLE_GROUPED_WINDOW_SQL, ROLE_WINDOW_SQL): the node's role, or the
   * role whose baseline and counts a summary row holds (one summary row per role).
   */
  role?: NodeRole | null;
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
const PREFIX_SUMS = METRICS.map((m) => `${m}_sum`).join(', ');
const NEGATED_PREFIX_SUMS = METRICS.map((m) => `-${m}_sum`).join(', ');

/**
 * The window's per-node sums of one part of the nodes, shared by the statement for the whole
 * deployment and the one by role: running sums where folded, minute rollups after, the
 * leading partial minute from raw samples, and the trailing minute's raw samples where a
 * later sample cuts it. The two CTEs `cut` and `per_node`, without the leading WITH.
 */
const PER_NODE_CTES = `cut AS MATERIALIZED (
    SELECT node_id FROM telemetry_rollups
    WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3
      -- Checked once on ~1/64 as many rows: usually no group of the trailing minute is cut.
      AND EXISTS (SELECT 1 FROM telemetry_rollup_groups
                  WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3)
  ), per_node AS MATERIALIZED (
    SELECT node_id, sum(n)::int AS n, max(last_ts) AS last_ts, ${SUMS}
    FROM (
      SELECT node_id, n, last_ts, ${PREFIX_SUMS}
      FROM telemetry_prefix_sums
      WHERE ${OWN_PART} AND deployment_id = $1 AND minute = ANY ($12::timestamptz[])
      UNION ALL
      SELECT node_id, -n, NULL, ${NEGATED_PREFIX_SUMS}
      FROM telemetry_prefix_sums
      WHERE ${OWN_PART} AND deployment_id = $1 AND minute = ANY ($13::timestamptz[])
      UNION ALL
      SELECT node_id, n, last_ts, ${ROLLUP_SUMS}
      FROM telemetry_rollups
      WHERE ${OWN_PART} AND deployment_id = $1 AND minute >= $14 AND minute <= $5
        AND NOT (minute = $5 AND last_ts > $3)
      UNION ALL
      SELECT node_id, 1, "timestamp", ${RAW_VALUES}
      FROM telemetry_samples
      WHERE ${OWN_PART} AND NOT $9 AND deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $4
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
`;

/**
 * The fast path, one statement over one snapshot. Per-node means need only plain sums, so every
 * part is fed straight into one per-node aggregate: the minutes [start, whole_to] of the window
 * (start is the leading partial minute when `from` falls early in it, $9, else the first whole
 * minute), then the raw leading samples: [from, whole_from) added, or [lead_minute, from)
 * subtracted, whichever are fewer (a plain difference of sums, exact to rounding). The minutes
 * come from per-node hourly running sums where folded ($12 added, $13 subtracted rows; see
 * prefixTerms), from minute rollups after that ($14 on), and from raw samples for the rare nodes
 * whose trailing minute holds samples later than `to`.
 * The zscore baseline (moments of every sample) is folded with the Chan merge from ~1/64 as many
 * group rollups plus the moments of the leading samples: folded 10-second buckets from $15 on,
 * raw samples before. It holds only when every node
 * has at least min_samples samples (the group rollups cannot leave a node out): the summary row
 * counts the nodes below, and the caller falls back to WINDOW_SQL when there are any. With $7 set
 * (zscore), only nodes that can reach the threshold are returned, with a 1e-6 relative slack so
 * the exact decision stays with the detector.
 * Every node is scored by exactly one of $10 parts: those with node_id % $10 = $11 (see
 * TelemetryRollupsRepository.groupedWindow); the baseline and the summary row are the same in each part.
 * $1 deployment, $2 from, $3 to, $4 whole_from, $5 whole_to, $6 min_samples, $7 threshold|null,
 * $8 lead_minute, $9 lead_by_complement, $10 parts, $11 part, $12 prefix rows to add,
 * $13 prefix rows to subtract, $14 first minute read from rollups, $15 end of the raw leading
 * samples (see leadRawUntil).
 */
export const GROUPED_WINDOW_SQL = `
  WITH ${PER_NODE_CTES}  ), lead AS (
    SELECT n, ${PART_COLUMNS}
    FROM telemetry_prefix_buckets
    WHERE deployment_id = $1 AND bucket >= $15 AND bucket < $4
    UNION ALL
    SELECT count(*)::int AS n, ${RAW_STATS}
    FROM telemetry_samples
    WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $15
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
         NULL::float8[] AS all_error_rate, NULL::int AS analysed,
         (SELECT node_id FROM nodes WHERE id = p.node_id) AS node_identifier
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
         (SELECT count(*)::int FROM per_node WHERE n >= $6), NULL
  FROM base`;

/** Columns of the parts of a baseline, qualified by a table alias. */
const partColumnsOf = (alias: string) =>
  METRICS.map((m) => `${alias}.${m}_mean, ${alias}.${m}_m2`).join(', ');

/** The role of a node of a fabric: its entry in `special` (spines, border leaves), else leaf. */
const ROLE_OF = (alias: string) => `COALESCE(${alias}.role, 'leaf')`;

/**
 * GROUPED_WINDOW_SQL for a fabric, scoring each node against the nodes of its own role: the same
 * per-node sums and parameters, one baseline per role, one summary row per role.
 * Only the spines and border leaves are read from `nodes` (few; every other node is a leaf).
 * Each role's baseline is folded with the same Chan merge from parts that each hold samples of
 * one role only: the group rollups of the 64-node groups without a spine or border leaf (all
 * leaves); the minute rollups, node by node, of the groups that hold one (the spines and border
 * leaves, numbered first, share a group or two with leaves: a few hundred rows); the 10-second
 * moments per role of the leading minute (telemetry_prefix_role_buckets) and at most 10 s of raw
 * samples before them (the leaves' in one aggregate, the spines' and border leaves' by role),
 * and the raw samples of the trailing minute where a later sample cuts it, grouped by role. Node rows carry their role; the threshold filter ($7) uses the node's
 * own role's baseline. $1..$15 as GROUPED_WINDOW_SQL.
 */
export const ROLE_GROUPED_WINDOW_SQL = `
  WITH special AS MATERIALIZED (
    SELECT id AS node_id, role FROM nodes WHERE deployment_id = $1 AND role <> 'leaf'
  ), special_groups AS MATERIALIZED (
    SELECT DISTINCT node_id >> ${NODE_GROUP_SHIFT} AS node_group FROM special
  ), ${PER_NODE_CTES}  ), lead AS (
    SELECT role, n, ${PART_COLUMNS}
    FROM telemetry_prefix_role_buckets
    WHERE deployment_id = $1 AND bucket >= $15 AND bucket < $4
    UNION ALL
    -- Raw leading samples: the leaves' in one aggregate, the few others' by role.
    SELECT 'leaf', count(*)::int AS n, ${RAW_STATS}
    FROM telemetry_samples
    WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $15
      AND node_id <> ALL (ARRAY(SELECT node_id FROM special))
    UNION ALL
    SELECT sp.role, count(*)::int AS n, ${RAW_STATS}
    FROM special sp JOIN telemetry_samples s ON s.node_id = sp.node_id
    WHERE s.deployment_id = $1 AND s."timestamp" >= $2 AND s."timestamp" < $15
    GROUP BY sp.role
  ), tail AS (
    SELECT ${ROLE_OF('sp')} AS role, count(*)::int AS n, ${RAW_STATS}
    FROM telemetry_samples s LEFT JOIN special sp ON sp.node_id = s.node_id
    WHERE s.deployment_id = $1 AND s."timestamp" >= $5 AND s."timestamp" <= $3
      AND s.node_id IN (SELECT node_id FROM cut)
    GROUP BY 1
  ), base AS MATERIALIZED (
    SELECT role, ${NODE_STATES}
    FROM (
      -- Whole minutes of the groups of leaves only.
      SELECT 'leaf' AS role, n, ${PART_COLUMNS}
      FROM telemetry_rollup_groups
      WHERE deployment_id = $1 AND minute >= $4 AND minute <= $5
        AND NOT (minute = $5 AND last_ts > $3)
        AND node_group NOT IN (SELECT node_group FROM special_groups)
      UNION ALL
      -- The trailing minute of such a group that a later sample cuts: its nodes one by one.
      SELECT 'leaf', n, ${PART_COLUMNS}
      FROM telemetry_rollups r
      WHERE deployment_id = $1 AND minute = $5 AND last_ts <= $3
        AND (node_id >> ${NODE_GROUP_SHIFT}) IN (SELECT node_group FROM telemetry_rollup_groups
                               WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3)
        AND (node_id >> ${NODE_GROUP_SHIFT}) NOT IN (SELECT node_group FROM special_groups)
      UNION ALL
      -- Groups with a spine or border leaf: every whole minute node by node.
      SELECT ${ROLE_OF('sp')}, t.n, ${partColumnsOf('t')}
      FROM telemetry_rollups t LEFT JOIN special sp ON sp.node_id = t.node_id
      WHERE t.deployment_id = $1
        AND t.minute = ANY (ARRAY(SELECT generate_series($4::timestamptz, $5::timestamptz, interval '1 minute')))
        AND t.node_id = ANY (ARRAY(SELECT (node_group << ${NODE_GROUP_SHIFT}) + k
                                   FROM special_groups, generate_series(0, ${2 ** 6 - 1}) k))
        AND NOT (t.minute = $5 AND t.last_ts > $3)
      UNION ALL
      SELECT role, n, ${PART_COLUMNS} FROM tail
      UNION ALL
      SELECT role, n, ${PART_COLUMNS} FROM lead WHERE n > 0
    ) parts
    GROUP BY role
  ), stats AS (
    SELECT role, ${METRICS.map(
      (m) => `${m}[2] / nullif(${m}[1], 0) AS ${m}_c,
           CASE WHEN ${m}[1] > 1 THEN sqrt(greatest(${m}[3], 0) / (${m}[1] - 1)) END AS ${m}_sd`,
    ).join(', ')}
    FROM base
  ), counts AS (
    SELECT ${ROLE_OF('sp')} AS role, count(*) FILTER (WHERE p.n < $6)::int AS below,
           count(*) FILTER (WHERE p.n >= $6)::int AS analysed
    FROM per_node p LEFT JOIN special sp ON sp.node_id = p.node_id
    GROUP BY 1
  )
  SELECT p.node_id, p.n, ${METRICS.map((m) => `p.${m}_sum / p.n AS ${m}`).join(', ')},
         extract(epoch FROM p.last_ts)::float8 AS last_epoch,
         NULL::float8[] AS all_latency_ms, NULL::float8[] AS all_throughput_gbps,
         NULL::float8[] AS all_error_rate, NULL::int AS analysed,
         (SELECT node_id FROM nodes WHERE id = p.node_id) AS node_identifier, s.role
  FROM per_node p LEFT JOIN special sp ON sp.node_id = p.node_id
    JOIN stats s ON s.role = ${ROLE_OF('sp')}
  WHERE p.n >= $6
    AND ($7::float8 IS NULL
      ${METRICS.map((m) => {
        const bad =
          m === 'throughput_gbps' ? `s.${m}_c - p.${m}_sum / p.n` : `p.${m}_sum / p.n - s.${m}_c`;
        return `OR ${bad} >= $7 * s.${m}_sd * (1 - 1e-6)`;
      }).join('\n      ')})
  UNION ALL
  SELECT NULL, COALESCE(c.below, 0), NULL, NULL, NULL, NULL,
         b.latency_ms, b.throughput_gbps, b.error_rate, COALESCE(c.analysed, 0), NULL, b.role
  FROM base b LEFT JOIN counts c ON c.role = b.role`;

/**
 * WINDOW_SQL for a fabric: the same per-node moments, each role's baseline from the analysed
 * nodes of that role, one summary row per role with nodes (below min_samples and analysed).
 * $1..$6 as WINDOW_SQL.
 */
export const ROLE_WINDOW_SQL = `
  WITH special AS MATERIALIZED (
    SELECT id AS node_id, role FROM nodes WHERE deployment_id = $1 AND role <> 'leaf'
  ), raw AS (
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
    SELECT p.node_id, sum(p.n)::int AS n, max(p.last_ts) AS last_ts,
           min(${ROLE_OF('sp')}) AS role,
           ${METRICS.map((m) => `telemetry_moments(ARRAY[p.n, p.n * p.${m}_mean, p.${m}_m2]) AS ${m}`).join(', ')}
    FROM parts p LEFT JOIN special sp ON sp.node_id = p.node_id GROUP BY p.node_id
  )
  SELECT node_id, n, ${METRICS.map((m) => `${m}[2] / ${m}[1] AS ${m}`).join(', ')},
         extract(epoch FROM last_ts)::float8 AS last_epoch,
         NULL::float8[] AS all_latency_ms, NULL::float8[] AS all_throughput_gbps,
         NULL::float8[] AS all_error_rate, NULL::int AS analysed, role
  FROM per_node WHERE n >= $6
  UNION ALL
  SELECT NULL, count(*) FILTER (WHERE n < $6)::int, NULL, NULL, NULL, NULL,
         ${METRICS.map((m) => `telemetry_moments(${m}) FILTER (WHERE n >= $6)`).join(', ')},
         count(*) FILTER (WHERE n >= $6)::int, role
  FROM per_node GROUP BY role`;

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
 * and its running-sum marks, read in the same snapshot as the window ($1 deployment).
 */
export const WINDOW_BEGIN_SQL = `${WINDOW_SETTINGS},
  (SELECT target_node_count FROM deployments WHERE id = $1) AS target_node_count,
  (SELECT spine_count IS NOT NULL FROM deployments WHERE id = $1) AS fabric,
  (SELECT since FROM telemetry_prefix_marks WHERE deployment_id = $1) AS since,
  (SELECT until FROM telemetry_prefix_marks WHERE deployment_id = $1) AS until`;

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

/** One statement on one connection of the caller's REPEATABLE READ transactions. */
export type WindowQuery = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * Deployments with fewer nodes are scored on one connection: below this, a second connection
 * and its snapshot import cost more than the half of the work they take.
 */
export const SPLIT_MIN_NODES = 4000;

/** What a window statement returned, and which one ran. */
export interface GroupedWindow {
  rows: WindowRow[];
  /** The deployment has a topology. */
  fabric: boolean;
  /** ROLE_GROUPED_WINDOW_SQL ran: node rows carry roles, one summary row per role. */
  byRole: boolean;
}

/**
 * GROUPED_WINDOW_SQL as the service runs it, on one connection or, for a large deployment, split
 * across two. `first` is in a REPEATABLE READ transaction the caller has begun (and ends): it
 * reads the settings, the deployment and its running-sum marks and exports its snapshot.
 * `second` runs the given statements (no parameters) on another connection, beginning its
 * transaction there with the snapshot imported, or returns null when none is to be had; both
 * parts then see the same samples, fold the same baseline and each score half of the nodes.
 * `base` is $1..$9 of GROUPED_WINDOW_SQL. Null when the deployment does not exist.
 */
export async function runGroupedWindow(
  first: WindowQuery,
  second: (begin: string) => Promise<WindowQuery | null>,
  window: AnalysisWindow,
  base: unknown[],
  splitMinNodes = SPLIT_MIN_NODES,
): Promise<WindowRow[] | null> {
  const result = await runWindow(first, second, window, base, false, splitMinNodes);
  return result && result.rows;
}

/**
 * {@link runGroupedWindow}, by role when `byRole` is set and the deployment has a topology
 * (ROLE_GROUPED_WINDOW_SQL); a deployment without one gets GROUPED_WINDOW_SQL either way.
 */
export async function runWindow(
  first: WindowQuery,
  second: (begin: string) => Promise<WindowQuery | null>,
  window: AnalysisWindow,
  base: unknown[],
  byRole: boolean,
  splitMinNodes = SPLIT_MIN_NODES,
): Promise<GroupedWindow | null> {
  const [deploymentId] = base;
  const [head] = await first(`${WINDOW_BEGIN_SQL}, pg_export_snapshot() AS snapshot`, [
    deploymentId,
  ]);
  if (head.target_node_count === null) return null;
  const fabric = head.fabric === true;
  const roles = byRole && fabric;
  const connections = [first];
  if (Number(head.target_node_count) >= splitMinNodes) {
    const snapshot = String(head.snapshot);
    if (!/^[0-9A-F-]+$/i.test(snapshot)) throw new Error(`Unexpected snapshot id ${snapshot}`);
    const other = await second(
      `BEGIN ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION SNAPSHOT '${snapshot}'; ${WINDOW_SETTINGS}`,
    );
    if (other !== null) connections.push(other);
  }
  const marks =
    head.since instanceof Date && head.until instanceof Date
      ? { since: head.since, until: head.until }
      : null;
  const terms = prefixTerms(
    window.leadByComplement ? window.leadMinute : window.wholeFrom,
    window.wholeTo,
    marks,
  );
  const leadRaw = leadRawUntil(window, marks);
  const results = await Promise.all(
    connections.map(async (query, part) => {
      const rows = await query(roles ? ROLE_GROUPED_WINDOW_SQL : GROUPED_WINDOW_SQL, [
        ...base,
        connections.length,
        part,
        terms.plus,
        terms.minus,
        terms.rollupsFrom,
        leadRaw,
      ]);
      return rows as unknown[] as WindowRow[];
    }),
  );
  return { rows: roles ? mergeRoleParts(results) : mergeParts(results), fabric, byRole: roles };
}

/** mergeParts by role: the node rows of every part and one summary row per role. */
export function mergeRoleParts(parts: WindowRow[][]): WindowRow[] {
  const summaries = new Map<string, WindowRow>();
  for (const row of parts.flat()) {
    if (row.node_id !== null) continue;
    const seen = summaries.get(row.role!);
    summaries.set(
      row.role!,
      seen
        ? { ...seen, n: seen.n + row.n, analysed: (seen.analysed ?? 0) + (row.analysed ?? 0) }
        : { ...row },
    );
  }
  return [
    ...parts.flatMap((rows) => rows.filter((r) => r.node_id !== null)),
    ...summaries.values(),
  ];
}

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
