import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { AnalysisWindow, splitWindow } from '../domain/analysis-window';
import { METRICS } from '../domain/telemetry-metrics';
import {
  runGroupedWindow,
  WINDOW_SETTINGS,
  WINDOW_SQL,
  WindowRow,
} from '../store/bottleneck-window-sql';
import {
  Baseline,
  detectBottlenecks,
  madBaseline,
  Moments,
  NodeAggregate,
  zscoreBaseline,
} from './bottleneck-detector';
import { BottlenecksQuery } from './dto/bottlenecks.query';
import { BaselineResponse, BottlenecksResponse } from './dto/bottlenecks.response';

function moments(state: number[]): Moments {
  const [n, sum, m2] = state;
  return { n, mean: n > 0 ? sum / n : 0, m2 };
}

@Injectable()
export class AnalyticsService {
  /** Whether a request of this process is running a split window query. */
  private splitting = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async bottlenecks(deploymentId: number, q: BottlenecksQuery): Promise<BottlenecksResponse> {
    const detectedAt = new Date();
    const w = splitWindow(detectedAt, q.analysis_window_minutes);
    const params = [deploymentId, w.from, w.to, w.wholeFrom, w.wholeTo, q.min_samples];
    let rows: WindowRow[] | null = await this.groupedWindow(w, [
      ...params,
      q.method === 'zscore' ? q.threshold : null,
      w.leadMinute,
      w.leadByComplement,
    ]);
    if (rows === null) throw new NotFoundException('Deployment not found');
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
    const names = new Map<number, string>();
    for (const r of rows) if (r.node_identifier) names.set(r.node_id!, r.node_identifier);
    const unnamed = verdicts.map((v) => v.node.nodeId).filter((id) => !names.has(id));
    for (const [id, name] of await this.nodeIdentifiers(unnamed)) names.set(id, name);
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

  /**
   * GROUPED_WINDOW_SQL over both cores for large deployments (runGroupedWindow). One request at
   * a time per process holds a second connection (taken from the pool up front, handed back
   * unused for a small deployment), so requests waiting for one can never hold the whole pool;
   * the others run the statement whole. Transactions are begun in one round trip each.
   */
  private async groupedWindow(w: AnalysisWindow, base: unknown[]): Promise<WindowRow[] | null> {
    const first = this.dataSource.createQueryRunner();
    const spare = this.splitting ? null : this.dataSource.createQueryRunner();
    if (spare) this.splitting = true;
    const begun: QueryRunner[] = [];
    const query = (q: QueryRunner) => (sql: string, params?: unknown[]) => q.query(sql, params);
    try {
      await Promise.all([first.connect(), spare?.connect()]);
      await first.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      begun.push(first);
      const rows = await runGroupedWindow(
        query(first),
        async (begin) => {
          if (!spare) return null;
          await spare.query(begin);
          begun.push(spare);
          return query(spare);
        },
        w,
        base,
      );
      await Promise.all(begun.splice(0).map((q) => q.query('COMMIT')));
      return rows;
    } finally {
      if (spare) this.splitting = false;
      await Promise.all(
        [first, spare].map(async (q) => {
          if (!q) return;
          if (begun.includes(q)) await q.query('ROLLBACK').catch(() => undefined);
          await q.release();
        }),
      );
    }
  }

  private window(sql: string, params: unknown[]): Promise<WindowRow[]> {
    return this.dataSource.transaction(async (m) => {
      await m.query(WINDOW_SETTINGS);
      return m.query(sql, params);
    });
  }

  /** Names of flagged nodes the window rows did not name (the general path names none). */
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
  for (const metric of METRICS) {
    const b = baseline[metric];
    out[metric] = { centre: b.centre, spread: b.spread, spread_kind: b.kind, scale: b.scale };
  }
  return out;
}
