import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Baseline, detectBottlenecks, NodeAggregate } from './bottleneck-detector';
import { BottlenecksQuery } from './dto/bottlenecks.query';
import { BottlenecksResponse } from './dto/bottlenecks.response';

interface AggregateRow {
  node_id: number | null;
  node_identifier: string | null;
  n: number;
  latency: number | null;
  throughput: number | null;
  error_rate: number | null;
  sd_latency: number | null;
  sd_throughput: number | null;
  sd_error_rate: number | null;
  last_ts: Date | null;
}

@Injectable()
export class AnalyticsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The seed's algorithm: baseline mean and sample standard deviation over every sample of the
   * window, each node's mean, z in the bad direction. One scan; GROUPING SETS gives the
   * per-node rows and the baseline row together.
   */
  async bottlenecks(deploymentId: number, q: BottlenecksQuery): Promise<BottlenecksResponse> {
    const detectedAt = new Date();
    const from = new Date(detectedAt.getTime() - q.analysis_window_minutes * 60_000);
    const rows: AggregateRow[] = await this.dataSource.query(
      `SELECT s.node_id, min(n.node_id) AS node_identifier, count(*)::int AS n,
              avg(s.latency_ms) AS latency, avg(s.throughput_gbps) AS throughput, avg(s.error_rate) AS error_rate,
              stddev_samp(s.latency_ms) AS sd_latency, stddev_samp(s.throughput_gbps) AS sd_throughput,
              stddev_samp(s.error_rate) AS sd_error_rate, max(s."timestamp") AS last_ts
       FROM telemetry_samples s JOIN nodes n ON n.id = s.node_id
       WHERE s.deployment_id = $1 AND s."timestamp" >= $2 AND s."timestamp" <= $3
       GROUP BY GROUPING SETS ((s.node_id), ())`,
      [deploymentId, from, detectedAt],
    );
    const total = rows.find((r) => r.node_id === null);
    const perNode = rows.filter((r) => r.node_id !== null);
    const base: BottlenecksResponse = {
      deployment_id: deploymentId,
      detected_at: detectedAt.toISOString(),
      bottlenecks: [],
      total_bottlenecks: 0,
      analysis_window_minutes: q.analysis_window_minutes,
      threshold: q.threshold,
      method: q.method,
      nodes_analyzed: perNode.length,
      baseline: null,
    };
    if (!total || total.n === 0) return base;
    const baseline: Baseline = {
      latency_ms: { centre: total.latency!, spread: total.sd_latency },
      throughput_gbps: { centre: total.throughput!, spread: total.sd_throughput },
      error_rate: { centre: total.error_rate!, spread: total.sd_error_rate },
    };
    const nodes: NodeAggregate[] = perNode.map((r) => ({
      nodeId: r.node_id!,
      nodeIdentifier: r.node_identifier!,
      samples: r.n,
      means: { latency_ms: r.latency!, throughput_gbps: r.throughput!, error_rate: r.error_rate! },
      lastTimestamp: r.last_ts!,
    }));
    const verdicts = detectBottlenecks(nodes, baseline, q.threshold);
    return {
      ...base,
      baseline,
      total_bottlenecks: verdicts.length,
      bottlenecks: verdicts.map((v) => ({
        node_id: v.node.nodeId,
        node_identifier: v.node.nodeIdentifier,
        deployment_id: deploymentId,
        latency_ms: v.node.means.latency_ms,
        throughput_gbps: v.node.means.throughput_gbps,
        error_rate: v.node.means.error_rate,
        deviation_score: v.deviationScore,
        timestamp: v.node.lastTimestamp.toISOString(),
        metrics: v.metrics,
      })),
    };
  }
}
