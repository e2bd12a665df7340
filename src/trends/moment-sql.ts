/**
 * SQL of the per-node-minute regression states (table telemetry_minute_moments, migration
 * 1765145000000): how a minute is folded from its samples, and how a window merges folded
 * minutes with raw samples where no current fold exists.
 */
import { Metric, METRICS } from '../domain/telemetry-metrics';

const EPOCH = `timestamptz '1970-01-01 00:00:00+00'`;

/**
 * Time in every state runs in minutes from this fixed instant: a state merges from minutes with
 * no shifting, and recent times stay small (~5e5 minutes in 2027), so their means keep ~1e-10
 * of a minute. The fit is moved to "now" at the end (fitted value = mean + slope·(now − mean t)).
 */
export const TIME_ORIGIN = new Date('2026-01-01T00:00:00.000Z');
const ORIGIN_SQL = `timestamptz '${TIME_ORIGIN.toISOString()}'`;
/** An instant as minutes from TIME_ORIGIN. */
export const minutesFromOrigin = (at: Date): number =>
  (at.getTime() - TIME_ORIGIN.getTime()) / 60_000;

/** A pair of metrics whose Pearson r is kept: y first, x second (the column is `y_x`). */
export const METRIC_PAIRS = [
  ['latency_ms', 'throughput_gbps'],
  ['latency_ms', 'error_rate'],
  ['throughput_gbps', 'error_rate'],
] as const satisfies readonly (readonly [Metric, Metric])[];

/** One state column: a metric against time in minutes, or a pair of metrics. */
export interface StateColumn {
  column: string;
  y: Metric;
  /** null: time, in minutes. */
  x: Metric | null;
}

export const STATE_COLUMNS: readonly StateColumn[] = [
  ...METRICS.map((m) => ({ column: m, y: m, x: null })),
  ...METRIC_PAIRS.map(([y, x]) => ({ column: `${y}_${x}`, y, x })),
];

/** The column of a metric's trend state. */
export function trendColumn(metric: Metric): StateColumn {
  return STATE_COLUMNS.find((c) => c.column === metric)!;
}

/** The column of a pair's state, whichever order the pair is named in; undefined for none. */
export function pairColumn(a: Metric, b: Metric): StateColumn | undefined {
  return STATE_COLUMNS.find(
    (c) => c.x !== null && ((c.y === a && c.x === b) || (c.y === b && c.x === a)),
  );
}

/**
 * The regression state of y on x over a group of rows, in the layout of PostgreSQL's regr_*
 * transition ([N, Sx, Sxx, Sy, Syy, Sxy], centred); rows where either is null are skipped.
 * The regr_* aggregates of one call share their transition, so this is one pass.
 */
export function stateOf(y: string, x: string): string {
  const n = `regr_count(${y}, ${x})`;
  return `ARRAY[${n}::float8, coalesce(regr_avgx(${y}, ${x}) * ${n}, 0), coalesce(regr_sxx(${y}, ${x}), 0),
    coalesce(regr_avgy(${y}, ${x}) * ${n}, 0), coalesce(regr_syy(${y}, ${x}), 0), coalesce(regr_sxy(${y}, ${x}), 0)]`;
}

/** The state of a column over raw sample rows, where `x` names the time in minutes. */
function rawState(c: StateColumn, x: string): string {
  return stateOf(c.y, c.x ?? x);
}

/**
 * Folds one minute of a deployment's samples into its node-minute states (time in minutes from
 * TIME_ORIGIN). A refold (after a late sample) overwrites. $1 deployment,
 * $2 minute.
 */
export const FOLD_MOMENTS_SQL = `
  INSERT INTO telemetry_minute_moments AS t
    (deployment_id, node_id, minute, n, ${STATE_COLUMNS.map((c) => c.column).join(', ')})
  SELECT $1, node_id, $2, count(*), ${STATE_COLUMNS.map((c) => rawState(c, 'x')).join(',\n    ')}
  FROM (SELECT node_id, ${METRICS.join(', ')}, date_part('epoch', "timestamp" - ${ORIGIN_SQL}) / 60 AS x
        FROM telemetry_samples
        WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $2::timestamptz + interval '1 minute') s
  GROUP BY node_id
  ON CONFLICT (deployment_id, minute, node_id) DO UPDATE SET
    n = EXCLUDED.n, ${STATE_COLUMNS.map((c) => `${c.column} = EXCLUDED.${c.column}`).join(', ')}`;

export interface WindowStatement {
  columns: readonly StateColumn[];
  /** Per minute of the window (node correlations) instead of per window and node. */
  perMinute: boolean;
}

/**
 * The merged states of the given columns per window and node (and minute), over windows
 * [from, to): $1 deployment, $2 from[], $3 to[] (window i is the i-th, from 1), $4 node ids or
 * null for all, $5 a role or null. Time in minutes from TIME_ORIGIN. Each node's identifier and
 * role come along.
 *
 * A window's whole minutes [a, b) fall in three runs, read in one snapshot:
 * - [fs, fu), the minutes telemetry_prefix_marks says are folded and current (a late sample
 *   lowers its `until` in the writing transaction): the node-minute states, one range scan;
 * - [a, fs), minutes before the marks (older than the running sums keep): a state is used where
 *   its count equals the rollup's (the fold saw every sample of the node-minute), and the
 *   node-minute is read from the samples otherwise (never folded, or written to since);
 * - [fu, b), not folded yet: raw samples, with the partial minutes at both edges.
 */
export function windowStatesSql(s: WindowStatement): string {
  const cols = s.columns;
  const minute = s.perMinute ? ', minute' : '';
  const states = (alias: string) => cols.map((c) => `${alias}.${c.column}`);
  const nodeFilter = (alias: string) => `($4::int[] IS NULL OR ${alias}.node_id = ANY($4::int[]))`;
  const rawMinute = s.perMinute ? `, date_bin('1 minute', ts, ${EPOCH}) AS minute` : '';
  const metrics = METRICS.map((m) => `s.${m}`).join(', ');
  return `
  WITH bounds AS (
    SELECT i::int AS i, f, t,
           date_bin('1 minute', f - interval '1 microsecond', ${EPOCH}) + interval '1 minute' AS a,
           date_bin('1 minute', t, ${EPOCH}) AS b
    FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS w(f, t, i)
  ),
  marks AS (
    SELECT coalesce(max(since), 'infinity') AS since, coalesce(max(until), 'infinity') AS until
    FROM telemetry_prefix_marks WHERE deployment_id = $1
  ),
  w AS (
    SELECT bounds.*, fs, greatest(fs, least(b, marks.until)) AS fu
    FROM bounds CROSS JOIN marks
    CROSS JOIN LATERAL (SELECT greatest(a, least(b, marks.since)) AS fs) x
  ),
  older AS NOT MATERIALIZED (
    SELECT w.i, w.t, r.node_id, r.minute, r.n AS rollup_n, m.n AS folded_n, ${states('m').join(', ')}
    FROM w
    JOIN telemetry_rollups r ON r.deployment_id = $1 AND r.minute >= w.a AND r.minute < w.fs
    LEFT JOIN telemetry_minute_moments m
      ON m.deployment_id = $1 AND m.minute = r.minute AND m.node_id = r.node_id
         AND m.minute >= w.a AND m.minute < w.fs
    WHERE ${nodeFilter('r')}
  ),
  raw AS (
    SELECT w.i, w.t, s.node_id, s."timestamp" AS ts, ${metrics}
    FROM w JOIN telemetry_samples s ON s.deployment_id = $1
      AND ((s."timestamp" >= w.f AND s."timestamp" < least(w.a, w.t))
        OR (s."timestamp" >= greatest(w.fu, w.f) AND s."timestamp" < w.t))
    WHERE ${nodeFilter('s')}
    UNION ALL
    SELECT o.i, o.t, s.node_id, s."timestamp", ${metrics}
    FROM older o JOIN telemetry_samples s ON s.node_id = o.node_id AND s.deployment_id = $1
      AND s."timestamp" >= o.minute AND s."timestamp" < o.minute + interval '1 minute'
    WHERE o.folded_n IS DISTINCT FROM o.rollup_n
  ),
  merged AS (
    SELECT i, node_id${minute}, ${cols.map((c) => `trends_regr(${c.column}) AS ${c.column}`).join(', ')}
    FROM (
      SELECT w.i, m.node_id${s.perMinute ? ', m.minute' : ''}, ${states('m').join(', ')}
      FROM w JOIN telemetry_minute_moments m
        ON m.deployment_id = $1 AND m.minute >= w.fs AND m.minute < w.fu
      WHERE ${nodeFilter('m')}
      UNION ALL
      SELECT i, node_id${minute}, ${cols.map((c) => c.column).join(', ')}
      FROM older WHERE folded_n = rollup_n
      UNION ALL
      SELECT i, node_id${minute}, ${cols.map((c) => `${rawState(c, 'x')} AS ${c.column}`).join(', ')}
      FROM (SELECT *, date_part('epoch', ts - ${ORIGIN_SQL}) / 60 AS x${rawMinute} FROM raw) rs
      GROUP BY i, node_id${minute}
    ) parts
    GROUP BY i, node_id${minute}
  )
  SELECT g.i, g.node_id${s.perMinute ? ', g.minute' : ''}, n.node_id AS node_identifier, n.role,
         ${cols.map((c) => `g.${c.column}`).join(', ')}
  FROM merged g JOIN nodes n ON n.id = g.node_id
  WHERE $5::text IS NULL OR n.role::text = $5
  ORDER BY g.i, g.node_id${s.perMinute ? ', g.minute' : ''}`;
}
