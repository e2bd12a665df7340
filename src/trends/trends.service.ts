import {
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { parseNodeRef } from '../domain/node-ref';
import { DAY_MS, MINUTE_MS } from '../domain/time';
import { Metric } from '../domain/telemetry-metrics';
import { DeploymentsRepository } from '../store/deployments.repository';
import {
  AnomaliesQuery,
  CorrelationsQuery,
  NodeCorrelationsQuery,
  TrendsQuery,
} from './dto/trends.query';
import {
  AnomaliesResponse,
  AnomalyResponse,
  CorrelationsResponse,
  NodeCorrelationsResponse,
  TrendResponse,
  TrendsResponse,
} from './dto/trends.response';
import { minutesFromOrigin, pairColumn, trendColumn } from './moment-sql';
import {
  correlation,
  fitLine,
  fittedAt,
  historyScore,
  meanY,
  pearson,
  timeToThreshold,
} from './regression';
import { Span, TrendsRepository } from './trends.repository';

/** null and NaN last; larger first when `desc`. */
function byNullable(a: number | null, b: number | null, desc: boolean): number {
  if (a === null || b === null) return (a === null ? 1 : 0) - (b === null ? 1 : 0);
  return desc ? b - a : a - b;
}

function lastMinutes(now: Date, minutes: number): Span {
  return { from: new Date(now.getTime() - minutes * MINUTE_MS), to: now };
}

/** A leaf's (or spine's) r against one peer over the minutes both have samples. */
export interface PeerCorrelation {
  r: number | null;
  minutes: number;
}

/** Pearson's r of two nodes' per-minute values over the minutes both have. */
function pairCorrelation(
  series: Map<number, Map<number, number>>,
  a: number,
  b: number,
): PeerCorrelation {
  const other = series.get(b) ?? new Map<number, number>();
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [minute, value] of series.get(a) ?? []) {
    const v = other.get(minute);
    if (v === undefined) continue;
    xs.push(value);
    ys.push(v);
  }
  return { r: pearson(xs, ys), minutes: xs.length };
}

/**
 * Trends and time-to-threshold forecasts, a node against its own history, and correlations,
 * all from the per-node-minute regression states (TrendsRepository) merged with raw samples
 * where a minute is not folded.
 */
@Injectable()
export class TrendsService {
  constructor(
    private readonly repo: TrendsRepository,
    @Inject(DeploymentsRepository) private readonly deployments: DeploymentsRepository,
  ) {}

  private async mustExist(deploymentId: number): Promise<void> {
    if (!(await this.deployments.exists(deploymentId))) {
      throw new NotFoundException('Deployment not found');
    }
  }

  /** Every node's fitted line over the window, ordered for the question "what crosses first". */
  async trends(deploymentId: number, q: TrendsQuery, now = new Date()): Promise<TrendsResponse> {
    await this.mustExist(deploymentId);
    const span = lastMinutes(now, q.window_minutes);
    const column = trendColumn(q.metric);
    const rows = await this.repo.windowStates(deploymentId, [span], [column], {
      nodeIds: q.node_id !== undefined ? [q.node_id] : undefined,
      role: q.role,
    });
    const trends: TrendResponse[] = [];
    const nowMinutes = minutesFromOrigin(now);
    for (const row of rows) {
      const state = row.states[column.column];
      const fit = fitLine(state);
      if (fit.samples === 0) continue;
      const fittedNow = fit.slope === null ? null : fittedAt(state, fit.slope, nowMinutes);
      trends.push({
        node_id: row.node_id,
        node_identifier: row.node_identifier,
        role: row.role,
        samples: fit.samples,
        slope_per_minute: fit.slope,
        fitted_now: fittedNow,
        predicted: fit.slope === null ? null : fittedNow! + fit.slope * q.horizon_minutes,
        r2: fit.r2,
        t_stat: fit.tStat,
        significant: fit.significant,
        time_to_threshold_minutes:
          q.threshold === undefined || fit.slope === null
            ? null
            : timeToThreshold(fittedNow!, fit.slope, q.threshold),
      });
    }
    const absT = (t: TrendResponse) =>
      t.t_stat === null ? (t.significant ? Infinity : -1) : Math.abs(t.t_stat);
    trends.sort(
      (a, b) =>
        byNullable(a.time_to_threshold_minutes, b.time_to_threshold_minutes, false) ||
        absT(b) - absT(a) ||
        a.node_id - b.node_id,
    );
    return {
      deployment_id: deploymentId,
      window_start: span.from.toISOString(),
      window_end: span.to.toISOString(),
      total: trends.length,
      metric: q.metric,
      horizon_minutes: q.horizon_minutes,
      threshold: q.threshold ?? null,
      trends: trends.slice(q.skip, q.skip + q.limit),
    };
  }

  /**
   * Each node's mean over the window against its means over the same window on each of the past
   * days: robust z against their median and MAD; nodes with fewer than 3 such days are counted,
   * not scored.
   */
  async anomalies(
    deploymentId: number,
    q: AnomaliesQuery,
    now = new Date(),
  ): Promise<AnomaliesResponse> {
    await this.mustExist(deploymentId);
    const spans: Span[] = [];
    for (let day = 0; day <= q.baseline_days; day++) {
      spans.push(lastMinutes(new Date(now.getTime() - day * DAY_MS), q.window_minutes));
    }
    const column = trendColumn(q.metric);
    const rows = await this.repo.windowStates(deploymentId, spans, [column], {});
    const byNode = new Map<number, { now?: (typeof rows)[number]; days: number[] }>();
    for (const row of rows) {
      const mean = meanY(row.states[column.column]);
      if (mean === null) continue;
      const entry = byNode.get(row.node_id) ?? { days: [] };
      if (row.i === 1) entry.now = row;
      else entry.days[row.i - 2] = mean;
      byNode.set(row.node_id, entry);
    }
    const anomalies: AnomalyResponse[] = [];
    let unscored = 0;
    for (const { now: current, days } of byNode.values()) {
      if (!current) continue;
      const value = meanY(current.states[column.column])!;
      const past = days.filter((d) => d !== undefined);
      const score = historyScore(value, past);
      if (!score) {
        unscored++;
        continue;
      }
      anomalies.push({
        node_id: current.node_id,
        node_identifier: current.node_identifier,
        role: current.role,
        value,
        samples: current.states[column.column][0],
        z: score.z,
        anomalous: score.z !== null && Math.abs(score.z) >= q.threshold,
        baseline_median: score.median,
        baseline_mad: score.mad,
        baseline_days: past.length,
        baseline_means: past,
      });
    }
    anomalies.sort(
      (a, b) =>
        byNullable(
          a.z === null ? null : Math.abs(a.z),
          b.z === null ? null : Math.abs(b.z),
          true,
        ) || a.node_id - b.node_id,
    );
    return {
      deployment_id: deploymentId,
      window_start: spans[0].from.toISOString(),
      window_end: spans[0].to.toISOString(),
      total: anomalies.length,
      metric: q.metric,
      threshold: q.threshold,
      nodes_without_history: unscored,
      anomalies: anomalies.slice(q.skip, q.skip + q.limit),
    };
  }

  /** Per node, Pearson's r of two metrics over its samples in the window. */
  async correlations(
    deploymentId: number,
    q: CorrelationsQuery,
    now = new Date(),
  ): Promise<CorrelationsResponse> {
    await this.mustExist(deploymentId);
    const span = lastMinutes(now, q.window_minutes);
    const [a, b] = q.pair.split(':') as [Metric, Metric];
    const column = pairColumn(a, b)!;
    const rows = await this.repo.windowStates(deploymentId, [span], [column], {});
    const correlations = rows
      .map((row) => ({
        node_id: row.node_id,
        node_identifier: row.node_identifier,
        role: row.role,
        samples: row.states[column.column][0],
        r: correlation(row.states[column.column]),
      }))
      .filter((c) => c.samples > 0)
      .sort((x, y) => byNullable(x.r, y.r, true) || x.node_id - y.node_id);
    return {
      deployment_id: deploymentId,
      window_start: span.from.toISOString(),
      window_end: span.to.toISOString(),
      total: correlations.length,
      pair: q.pair,
      correlations: correlations.slice(q.skip, q.skip + q.limit),
    };
  }

  /** r between a node's per-minute mean latency and each of its link peers'. */
  async nodeCorrelations(
    deploymentId: number,
    ref: string,
    q: NodeCorrelationsQuery,
    now = new Date(),
  ): Promise<NodeCorrelationsResponse> {
    await this.mustExist(deploymentId);
    const parsed = parseNodeRef(ref);
    if (!parsed)
      throw new UnprocessableEntityException(
        'node_id must be a node id such as 17 or a name such as node-017',
      );
    const node = await this.repo.neighbours(deploymentId, parsed);
    if (!node) throw new NotFoundException(`Node ${ref} not found in deployment ${deploymentId}`);
    const nodeId = node.node_id;
    const span = lastMinutes(now, q.window_minutes);
    const ids = node.peers.map((p) => p.node_id);
    const correlations = await this.peerCorrelations(deploymentId, nodeId, ids, span);
    return {
      deployment_id: deploymentId,
      node_id: nodeId,
      node_identifier: node.node_identifier,
      role: node.role,
      window_start: span.from.toISOString(),
      window_end: span.to.toISOString(),
      peers: node.peers
        .map((p) => ({ ...p, ...correlations.get(p.node_id)! }))
        .sort((x, y) => byNullable(x.r, y.r, true) || x.node_id - y.node_id),
    };
  }

  /**
   * r of a node's per-minute mean latency against each peer's over the minutes both have
   * samples in the span.
   */
  async peerCorrelations(
    deploymentId: number,
    nodeId: number,
    peerIds: readonly number[],
    span: Span,
  ): Promise<Map<number, PeerCorrelation>> {
    const series = await this.minuteLatency(deploymentId, [nodeId, ...peerIds], span);
    return new Map(peerIds.map((id) => [id, pairCorrelation(series, nodeId, id)]));
  }

  /** Each node's mean latency per minute of the span (minutes with samples only). */
  private async minuteLatency(
    deploymentId: number,
    nodeIds: number[],
    span: Span,
  ): Promise<Map<number, Map<number, number>>> {
    const column = trendColumn('latency_ms');
    const rows = await this.repo.windowStates(deploymentId, [span], [column], {
      nodeIds,
      perMinute: true,
    });
    const series = new Map<number, Map<number, number>>();
    for (const row of rows) {
      const mean = meanY(row.states[column.column]);
      if (mean === null) continue;
      const perMinute = series.get(row.node_id) ?? new Map<number, number>();
      perMinute.set(new Date(row.minute!).getTime(), mean);
      series.set(row.node_id, perMinute);
    }
    return series;
  }

  /**
   * For bottleneck detection's likely causes: per leaf, r against each spine that explains it
   * (in the order given), over the detection window.
   */
  async causeCorrelations(
    deploymentId: number,
    causedBy: ReadonlyMap<number, readonly number[]>,
    span: Span,
  ): Promise<Map<number, (number | null)[]>> {
    const out = new Map<number, (number | null)[]>();
    if (causedBy.size === 0) return out;
    const ids = new Set<number>();
    for (const [leaf, spines] of causedBy) [leaf, ...spines].forEach((id) => ids.add(id));
    const series = await this.minuteLatency(deploymentId, [...ids], span);
    for (const [leaf, spines] of causedBy) {
      out.set(
        leaf,
        spines.map((id) => pairCorrelation(series, leaf, id).r),
      );
    }
    return out;
  }
}
