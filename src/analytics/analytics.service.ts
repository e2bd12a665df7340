import { Injectable, NotFoundException } from '@nestjs/common';
import { splitWindow } from '../domain/analysis-window';
import { METRICS } from '../domain/telemetry-metrics';
import { WindowRow } from '../store/bottleneck-window-sql';
import { TelemetryRollupsRepository } from '../store/telemetry-rollups.repository';
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
  constructor(private readonly rollups: TelemetryRollupsRepository) {}

  async bottlenecks(deploymentId: number, q: BottlenecksQuery): Promise<BottlenecksResponse> {
    const detectedAt = new Date();
    const w = splitWindow(detectedAt, q.analysis_window_minutes);
    // The deployment's existence is read in the window's own snapshot: null when it is gone.
    let rows: WindowRow[] | null = await this.rollups.groupedWindow(deploymentId, w, {
      minSamples: q.min_samples,
      threshold: q.method === 'zscore' ? q.threshold : null,
    });
    if (rows === null) throw new NotFoundException('Deployment not found');
    let summary = rows.find((r) => r.node_id === null)!;
    // The group rollups include every node: when some are left out, fold per node instead.
    if (summary.n > 0) {
      rows = await this.rollups.window(deploymentId, w, q.min_samples);
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
    for (const [id, name] of await this.rollups.nodeNames(unnamed)) names.set(id, name);
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
}

function toBaselineResponse(baseline: Baseline): BaselineResponse {
  const out = {} as BaselineResponse;
  for (const metric of METRICS) {
    const b = baseline[metric];
    out[metric] = { centre: b.centre, spread: b.spread, spread_kind: b.kind, scale: b.scale };
  }
  return out;
}
