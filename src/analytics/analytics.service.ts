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
  n: number;
  latency_ms: number | null;
  throughput_gbps: number | null;
  error_rate: number | null;
  last_epoch: number | null;
  /** Summary row only: {count, sum, M2} of every analysed sample, per metric. */
  all_latency_ms: number[] | null;
  all_throughput_gbps: number[] | null;
  all_error_rate: number[] | null;
}

const PART_COLUMNS = METRICS.map((m) => `${m}_mean, ${m}_m2`).join(', ');
const RAW_STATS = METRICS.map(
  (m) => `avg(${m}) AS ${m}_mean, var_pop(${m}) * count(*) AS ${m}_m2`,
).join(', ');
const NODE_STATES = METRICS.map(
  (m) => `telemetry_moments(ARRAY[n, n * ${m}_mean, ${m}_m2]) AS ${m}`,
).join(', ');

/**
 * One statement over one snapshot, so rollups and raw samples agree. Whole minutes come from
 * telemetry_rollups; the leading partial minute [from, whole_from) from raw samples; the
 * trailing minute from its rollup when all its samples are <= to (the usual case, since samples
 * stamped later than now are rare), else from raw samples of the nodes it cuts.
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
    const rows: WindowRow[] = await this.dataSource.transaction(async (m) => {
      // The planner overestimates this shape: JIT compilation and parallel workers cost more
      // than the whole query (measured: 2x slower with workers on two busy cores).
      await m.query('SET LOCAL jit = off');
      await m.query('SET LOCAL max_parallel_workers_per_gather = 0');
      // 10,000 nodes x 11 parts hash-aggregate in memory instead of spilling to temp files
      // (measured: about 1.6x faster at that size).
      await m.query(`SET LOCAL work_mem = '64MB'`);
      return m.query(WINDOW_SQL, [
        deploymentId,
        w.from,
        w.to,
        w.wholeFrom,
        w.wholeTo,
        q.min_samples,
      ]);
    });
    const summary = rows.find((r) => r.node_id === null)!;
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
      nodes_analyzed: nodes.length,
      nodes_below_min_samples: summary.n,
      samples_analyzed: 0,
      baseline: null,
    };
    if (nodes.length === 0) return base;

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
