import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  Baseline,
  detectBottlenecks,
  madBaseline,
  METRICS,
  Metric,
  Moments,
  NodeAggregate,
  splitWindow,
  zscoreBaseline,
} from './bottleneck-detector';
import { BottlenecksQuery } from './dto/bottlenecks.query';
import { BaselineResponse, BottlenecksResponse } from './dto/bottlenecks.response';

/** A node row (node_id set) or the one summary row (node_id null). */
interface WindowRow {
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
// avg() would keep a second accumulator per metric; the sum is already there.
const RAW_SUM_STATS = METRICS.map(
  (m) =>
    `sum(${m}) AS ${m}_sum, sum(${m}) / count(*) AS ${m}_mean, var_pop(${m}) * count(*) AS ${m}_m2`,
).join(', ');
const ROLLUP_SUMS = METRICS.map((m) => `n * ${m}_mean AS ${m}_sum`).join(', ');
const SUM_COLUMNS = METRICS.map((m) => `${m}_sum`).join(', ');

/**
 * The fast path, one statement over one snapshot. Per-node means need only plain sums over the
 * node's whole-minute rollups and raw edge samples; the zscore baseline (moments of every
 * sample) is folded with the Chan merge from ~1/64 as many group rollups plus the raw edges.
 * It holds only when every node has at least min_samples samples (the group rollups cannot
 * leave a node out): the summary row counts the nodes below, and the caller falls back to
 * WINDOW_SQL when there are any. With $7 set (zscore), only nodes that can reach the threshold
 * are returned, with a 1e-6 relative slack so the exact decision stays with the detector.
 * $1 deployment, $2 from, $3 to, $4 whole_from, $5 whole_to, $6 min_samples, $7 threshold|null.
 */
export const GROUPED_WINDOW_SQL = `
  WITH lead AS MATERIALIZED (
    SELECT node_id, count(*)::int AS n, max("timestamp") AS last_ts, ${RAW_SUM_STATS}
    FROM telemetry_samples
    WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $4
    GROUP BY GROUPING SETS ((node_id), ())
  ), tail AS MATERIALIZED (
    SELECT node_id, count(*)::int AS n, max("timestamp") AS last_ts, ${RAW_SUM_STATS}
    FROM telemetry_samples
    WHERE deployment_id = $1 AND "timestamp" >= $5 AND "timestamp" <= $3
      AND node_id IN (SELECT node_id FROM telemetry_rollups
                      WHERE deployment_id = $1 AND minute = $5 AND last_ts > $3)
    GROUP BY node_id
  ), per_node AS MATERIALIZED (
    SELECT node_id, sum(n)::int AS n, max(last_ts) AS last_ts, ${SUMS}
    FROM (
      SELECT node_id, n, last_ts, ${ROLLUP_SUMS}
      FROM telemetry_rollups
      WHERE deployment_id = $1 AND minute >= $4 AND minute <= $5
        AND NOT (minute = $5 AND last_ts > $3)
      UNION ALL
      SELECT node_id, n, last_ts, ${SUM_COLUMNS} FROM lead WHERE node_id IS NOT NULL
      UNION ALL
      SELECT node_id, n, last_ts, ${SUM_COLUMNS} FROM tail
    ) parts
    GROUP BY node_id
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
      SELECT n, ${PART_COLUMNS} FROM tail
      UNION ALL
      SELECT n, ${PART_COLUMNS} FROM lead WHERE node_id IS NULL AND n > 0
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

function moments(state: number[]): Moments {
  const [n, sum, m2] = state;
  return { n, mean: n > 0 ? sum / n : 0, m2 };
}

@Injectable()
export class AnalyticsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async bottlenecks(deploymentId: number, q: BottlenecksQuery): Promise<BottlenecksResponse> {
    const detectedAt = new Date();
    const w = splitWindow(detectedAt, q.analysis_window_minutes);
    const params = [deploymentId, w.from, w.to, w.wholeFrom, w.wholeTo, q.min_samples];
    let rows = await this.window(GROUPED_WINDOW_SQL, [
      ...params,
      q.method === 'zscore' ? q.threshold : null,
    ]);
    let summary = rows.find((r) => r.node_id === null)!;
    // The group rollups include every node: when some are left out, fold per node instead.
    if (summary.n > 0) {
      rows = await this.window(WINDOW_SQL, params);
      summary = rows.find((r) => r.node_id === null)!;
    }
    const nodes: NodeAggregate[] = rows
      .filter((r) => r.node_id !== null)
      .map((r) => ({
        nodeId: r.node_id!,
        samples: r.n,
        means: {
          latency_ms: r.latency_ms!,
          throughput_gbps: r.throughput_gbps!,
          error_rate: r.error_rate!,
        },
        lastTimestamp: new Date(Math.round(r.last_epoch! * 1000)),
      }));
    const analysed = summary.analysed ?? nodes.length;
    const base: BottlenecksResponse = {
      deployment_id: deploymentId,
      detected_at: detectedAt.toISOString(),
      bottlenecks: [],
      total_bottlenecks: 0,
      analysis_window_minutes: q.analysis_window_minutes,
      threshold: q.threshold,
      method: q.method,
      min_samples: q.min_samples,
      window_start: w.from.toISOString(),
      window_end: w.to.toISOString(),
      nodes_analyzed: analysed,
      nodes_below_min_samples: summary.n,
      samples_analyzed: 0,
      baseline: null,
    };
    if (analysed === 0) return base;

    const baseline: Baseline =
      q.method === 'mad'
        ? madBaseline(nodes)
        : zscoreBaseline({
            latency_ms: moments(summary.all_latency_ms!),
            throughput_gbps: moments(summary.all_throughput_gbps!),
            error_rate: moments(summary.all_error_rate!),
          });
    const verdicts = detectBottlenecks(nodes, baseline, q.threshold);
    const names = await this.nodeIdentifiers(verdicts.map((v) => v.node.nodeId));
    return {
      ...base,
      samples_analyzed: summary.all_latency_ms![0],
      baseline: toBaselineResponse(baseline),
      total_bottlenecks: verdicts.length,
      bottlenecks: verdicts.map((v) => ({
        node_id: v.node.nodeId,
        node_identifier: names.get(v.node.nodeId) ?? '',
        deployment_id: deploymentId,
        latency_ms: v.node.means.latency_ms,
        throughput_gbps: v.node.means.throughput_gbps,
        error_rate: v.node.means.error_rate,
        deviation_score: v.deviationScore,
        timestamp: v.node.lastTimestamp.toISOString(),
        samples: v.node.samples,
        metrics: v.metrics,
      })),
    };
  }

  private window(sql: string, params: unknown[]): Promise<WindowRow[]> {
    return this.dataSource.transaction(async (m) => {
      // The planner overestimates this shape: JIT compilation and parallel workers cost more
      // than the whole query (measured: 2x slower with workers on two busy cores).
      // 10,000 nodes x 11 parts hash-aggregate in memory instead of spilling to temp files
      // (measured: about 1.6x faster at that size). One round trip for the three settings.
      await m.query(
        `SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL work_mem = '64MB'`,
      );
      return m.query(sql, params);
    });
  }

  /** Names only for the flagged nodes: joining nodes for every analysed node costs more. */
  private async nodeIdentifiers(ids: number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows: { id: number; node_id: string }[] = await this.dataSource.query(
      `SELECT id, node_id FROM nodes WHERE id = ANY($1::int[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.node_id]));
  }
}

function toBaselineResponse(baseline: Baseline): BaselineResponse {
  const out = {} as BaselineResponse;
  for (const metric of METRICS as readonly Metric[]) {
    const b = baseline[metric];
    out[metric] = { centre: b.centre, spread: b.spread, spread_kind: b.kind, scale: b.scale };
  }
  return out;
}
