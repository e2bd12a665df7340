import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { splitWindow } from '../domain/analysis-window';
import { NODE_ROLES, NodeRole } from '../domain/node-role';
import { Metric, METRICS } from '../domain/telemetry-metrics';
import { NodesRepository } from '../store/nodes.repository';
import { LinksRepository } from '../store/links.repository';
import {
  Baseline,
  detectBottlenecks,
  madBaseline,
  mergeMoments,
  Moments,
  NodeAggregate,
  Verdict,
  zscoreBaseline,
} from './bottleneck-detector';
import { BottleneckWindowRepository } from './bottleneck-window.repository';
import { BottlenecksQuery } from './dto/bottlenecks.query';
import {
  BaselineResponse,
  BottlenecksResponse,
  PeerBaselineResponse,
} from './dto/bottlenecks.response';
import { causeCandidates, FlaggedNode, likelyCauses } from './likely-cause';
import { WindowRow } from './window-parts';
import { TrendsService } from '../trends/trends.service';

function moments(state: number[]): Moments {
  const [n, sum, m2] = state;
  return { n, mean: n > 0 ? sum / n : 0, m2 };
}

function aggregate(r: WindowRow): NodeAggregate {
  const [latency, throughput, errors] = r.metric_samples!;
  return {
    nodeId: r.node_id!,
    samples: r.n,
    means: {
      latency_ms: r.latency_ms,
      throughput_gbps: r.throughput_gbps,
      error_rate: r.error_rate,
    },
    counts: { latency_ms: latency, throughput_gbps: throughput, error_rate: errors },
    lastTimestamp: new Date(Math.round(r.last_epoch! * 1000)),
  };
}

/** The {count, sum, M2} of every analysed sample of a summary row, per metric. */
function summaryMoments(summary: WindowRow): Record<Metric, Moments> {
  return {
    latency_ms: moments(summary.all_latency_ms!),
    throughput_gbps: moments(summary.all_throughput_gbps!),
    error_rate: moments(summary.all_error_rate!),
  };
}

/** What one peer group contributes: its baseline, nodes and samples (of each metric too). */
interface PeerGroup {
  key: string;
  baseline: Baseline;
  nodes: number;
  samples: number;
  metricSamples: Record<Metric, number>;
}

/** The verdicts of a request, whichever way the nodes were grouped. */
interface Detection {
  analysed: number;
  below: number;
  samples: number;
  baseline: Baseline | null;
  /** The baseline's samples of each metric. */
  metricSamples: Record<Metric, number>;
  groups: PeerGroup[];
  verdicts: Verdict[];
  roles: Map<number, NodeRole>;
  names: Map<number, string>;
}

@Injectable()
export class AnalyticsService {
  constructor(
    private readonly windows: BottleneckWindowRepository,
    @Inject(LinksRepository) private readonly links: LinksRepository,
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    private readonly trends: TrendsService,
  ) {}

  async bottlenecks(deploymentId: number, q: BottlenecksQuery): Promise<BottlenecksResponse> {
    const detectedAt = new Date();
    const w = splitWindow(detectedAt, q.analysis_window_minutes);
    // The deployment's existence is read in the window's own snapshot: null when it is gone.
    const window = await this.windows.groupedWindow(deploymentId, w, {
      minSamples: q.min_samples,
      threshold: q.method === 'zscore' ? q.threshold : null,
      byRole: q.peer_group === 'role',
    });
    if (window === null) throw new NotFoundException('Deployment not found');
    let rows = window.rows;
    // The group rollups include every node: when some are left out, fold per node instead.
    const below = rows.filter((r) => r.node_id === null).reduce((sum, r) => sum + r.n, 0);
    if (below > 0) rows = await this.windows.window(deploymentId, w, q.min_samples, window.byRole);
    const detection = window.byRole
      ? this.byRole(rows, q)
      : this.byDeployment(rows, q, q.peer_group === 'role' && !window.fabric ? 'leaf' : null);
    const unnamed = detection.verdicts
      .map((v) => v.node.nodeId)
      .filter((id) => !detection.names.has(id));
    for (const [id, name] of await this.nodes.nodeNames(unnamed)) detection.names.set(id, name);
    if (window.fabric && !window.byRole) {
      detection.roles = await this.nodes.nodeRoles(detection.verdicts.map((v) => v.node.nodeId));
    }
    const causes = window.fabric
      ? await this.causes(detection.verdicts, detection.roles)
      : { causedBy: new Map<number, number[]>(), explains: new Map<number, number>() };
    const evidence = await this.trends.causeCorrelations(deploymentId, causes.causedBy, w);

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
      nodes_analyzed: detection.analysed,
      nodes_below_min_samples: detection.below,
      samples_analyzed: 0,
      baseline: null,
      peer_group: q.peer_group,
      baselines: {},
    };
    if (detection.analysed === 0) return base;
    const baselines: Record<string, PeerBaselineResponse> = {};
    for (const group of detection.groups) {
      baselines[group.key] = {
        ...toBaselineResponse(group.baseline, group.metricSamples),
        nodes_analyzed: group.nodes,
        samples_analyzed: group.samples,
      };
    }
    return {
      ...base,
      samples_analyzed: detection.samples,
      baseline: toBaselineResponse(detection.baseline!, detection.metricSamples),
      baselines,
      total_bottlenecks: detection.verdicts.length,
      bottlenecks: detection.verdicts.map((v) => ({
        node_id: v.node.nodeId,
        node_identifier: detection.names.get(v.node.nodeId) ?? '',
        deployment_id: deploymentId,
        latency_ms: v.node.means.latency_ms,
        throughput_gbps: v.node.means.throughput_gbps,
        error_rate: v.node.means.error_rate,
        deviation_score: v.deviationScore,
        timestamp: v.node.lastTimestamp.toISOString(),
        samples: v.node.samples,
        metrics: v.metrics,
        role: detection.roles.get(v.node.nodeId) ?? NodeRole.LEAF,
        likely_caused_by: causes.causedBy.get(v.node.nodeId) ?? [],
        likely_cause_correlations: evidence.get(v.node.nodeId) ?? [],
        explains: causes.explains.get(v.node.nodeId) ?? 0,
      })),
    };
  }

  /**
   * The seed's way: every node against one baseline of the whole deployment. Its one peer group
   * is keyed `groupKey` (`leaf` for a deployment without a topology asked by role), else
   * `deployment`.
   */
  private byDeployment(rows: WindowRow[], q: BottlenecksQuery, groupKey: string | null): Detection {
    const summary = rows.find((r) => r.node_id === null)!;
    const nodes = rows.filter((r) => r.node_id !== null).map(aggregate);
    const analysed = summary.analysed ?? nodes.length;
    const names = new Map<number, string>();
    for (const r of rows) if (r.node_identifier) names.set(r.node_id!, r.node_identifier);
    const detection: Detection = {
      analysed,
      below: summary.n,
      samples: 0,
      baseline: null,
      metricSamples: countsOf(summaryMoments(summary)),
      groups: [],
      verdicts: [],
      roles: new Map(),
      names,
    };
    if (analysed === 0) return detection;
    const baseline: Baseline =
      q.method === 'mad' ? madBaseline(nodes) : zscoreBaseline(summaryMoments(summary));
    const samples = Number(summary.samples);
    const group = {
      key: groupKey ?? 'deployment',
      baseline,
      nodes: analysed,
      samples,
      metricSamples: detection.metricSamples,
    };
    return {
      ...detection,
      samples,
      baseline,
      groups: [group],
      verdicts: detectBottlenecks(nodes, baseline, q.threshold),
    };
  }

  /**
   * A fabric by role: each node against the baseline of its own role; the response's `baseline`
   * is the whole deployment's (the roles' moments merged, or the median of every node for mad).
   */
  private byRole(rows: WindowRow[], q: BottlenecksQuery): Detection {
    const summaries = new Map<NodeRole, WindowRow>();
    const roles = new Map<number, NodeRole>();
    const names = new Map<number, string>();
    const nodesOf = new Map<NodeRole, NodeAggregate[]>();
    for (const r of rows) {
      if (r.node_id === null) {
        summaries.set(r.role!, r);
        continue;
      }
      roles.set(r.node_id, r.role!);
      if (r.node_identifier) names.set(r.node_id, r.node_identifier);
      const ofRole = nodesOf.get(r.role!);
      if (ofRole) ofRole.push(aggregate(r));
      else nodesOf.set(r.role!, [aggregate(r)]);
    }
    const all = [...summaries.values()];
    const detection: Detection = {
      analysed: all.reduce((sum, r) => sum + (r.analysed ?? 0), 0),
      below: all.reduce((sum, r) => sum + r.n, 0),
      samples: 0,
      baseline: null,
      metricSamples: { latency_ms: 0, throughput_gbps: 0, error_rate: 0 },
      groups: [],
      verdicts: [],
      roles,
      names,
    };
    if (detection.analysed === 0) return detection;
    const pooled = {
      latency_ms: { n: 0, mean: 0, m2: 0 },
      throughput_gbps: { n: 0, mean: 0, m2: 0 },
      error_rate: { n: 0, mean: 0, m2: 0 },
    } as Record<(typeof METRICS)[number], Moments>;
    const verdicts: Verdict[] = [];
    for (const role of NODE_ROLES) {
      const summary = summaries.get(role);
      if (!summary || !summary.analysed) continue;
      const roleMoments = summaryMoments(summary);
      for (const metric of METRICS)
        pooled[metric] = mergeMoments(pooled[metric], roleMoments[metric]);
      const nodes = nodesOf.get(role) ?? [];
      const baseline = q.method === 'mad' ? madBaseline(nodes) : zscoreBaseline(roleMoments);
      detection.groups.push({
        key: role,
        baseline,
        nodes: summary.analysed,
        samples: Number(summary.samples),
        metricSamples: countsOf(roleMoments),
      });
      detection.samples += Number(summary.samples);
      verdicts.push(...detectBottlenecks(nodes, baseline, q.threshold));
    }
    detection.metricSamples = countsOf(pooled);
    detection.baseline =
      q.method === 'mad' ? madBaseline([...nodesOf.values()].flat()) : zscoreBaseline(pooled);
    detection.verdicts = verdicts.sort(
      (a, b) => b.deviationScore - a.deviationScore || a.node.nodeId - b.node.nodeId,
    );
    return detection;
  }

  /** The likely-cause rule (likely-cause.ts) over the flagged nodes of a fabric. */
  private async causes(verdicts: Verdict[], roles: Map<number, NodeRole>) {
    // A node without latency samples is neither a cause nor explained (the rule is on latency).
    const flagged: FlaggedNode[] = [];
    for (const v of verdicts) {
      const { value, baseline } = v.metrics.latency_ms;
      if (value === null || baseline === null) continue;
      flagged.push({
        nodeId: v.node.nodeId,
        role: roles.get(v.node.nodeId) ?? NodeRole.LEAF,
        latencyTriggered: v.metrics.latency_ms.triggered,
        latency: value,
        latencyCentre: baseline,
      });
    }
    const { spines, leaves } = causeCandidates(flagged);
    const uplinks = new Map<number, number[]>();
    if (spines.length > 0 && leaves.length > 0) {
      for (const row of await this.links.uplinksOf(leaves.map((l) => l.nodeId))) {
        uplinks.set(row.node_id, row.spines);
      }
    }
    return likelyCauses(flagged, uplinks);
  }
}

/** The count of each metric's moments. */
function countsOf(moments: Record<Metric, Moments>): Record<Metric, number> {
  return {
    latency_ms: moments.latency_ms.n,
    throughput_gbps: moments.throughput_gbps.n,
    error_rate: moments.error_rate.n,
  };
}

function toBaselineResponse(baseline: Baseline, samples: Record<Metric, number>): BaselineResponse {
  const out = {} as BaselineResponse;
  for (const metric of METRICS) {
    const b = baseline[metric];
    out[metric] = {
      centre: b.centre,
      spread: b.spread,
      spread_kind: b.kind,
      scale: b.scale,
      samples: samples[metric],
    };
  }
  return out;
}
