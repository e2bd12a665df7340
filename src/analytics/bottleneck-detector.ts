/**
 * Bottleneck maths, pure: no I/O. The SQL layer supplies per-node means and the baseline.
 */
export const METRICS = ['latency_ms', 'throughput_gbps', 'error_rate'] as const;
export type Metric = (typeof METRICS)[number];

/** Which way is bad: latency and error rate up, throughput down. */
export const BAD_DIRECTION: Record<Metric, 1 | -1> = {
  latency_ms: 1,
  throughput_gbps: -1,
  error_rate: 1,
};
export const WEIGHTS: Record<Metric, number> = {
  latency_ms: 0.4,
  throughput_gbps: 0.4,
  error_rate: 0.2,
};

export interface Spread {
  centre: number;
  spread: number | null;
}

export type Baseline = Record<Metric, Spread>;

export interface NodeAggregate {
  nodeId: number;
  nodeIdentifier: string;
  samples: number;
  means: Record<Metric, number>;
  lastTimestamp: Date;
}

export interface MetricVerdict {
  value: number;
  baseline: number;
  z: number;
  triggered: boolean;
}

export interface Verdict {
  node: NodeAggregate;
  metrics: Record<Metric, MetricVerdict>;
  deviationScore: number;
}

/** A spread this small is floating-point noise of a constant metric: treat as zero. */
export function isZeroSpread(spread: number | null, centre: number): boolean {
  return (
    spread === null || !Number.isFinite(spread) || spread <= 1e-9 * Math.max(1, Math.abs(centre))
  );
}

/** z in the bad direction; 0 where the spread counts as zero, so noise never flags a node. */
export function badDirectionZ(metric: Metric, value: number, base: Spread): number {
  if (isZeroSpread(base.spread, base.centre)) return 0;
  const z = (BAD_DIRECTION[metric] * (value - base.centre)) / (base.spread as number);
  return Number.isFinite(z) ? z : 0;
}

/** Scores every node against the baseline; returns the bottlenecks, worst first. */
export function detectBottlenecks(
  nodes: NodeAggregate[],
  baseline: Baseline,
  threshold: number,
  zOf: (metric: Metric, node: NodeAggregate) => number = (metric, node) =>
    badDirectionZ(metric, node.means[metric], baseline[metric]),
): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const node of nodes) {
    let score = 0;
    let flagged = false;
    const metrics = {} as Record<Metric, MetricVerdict>;
    for (const metric of METRICS) {
      const z = zOf(metric, node);
      const triggered = z >= threshold;
      flagged ||= triggered;
      score += WEIGHTS[metric] * Math.max(0, z);
      metrics[metric] = {
        value: node.means[metric],
        baseline: baseline[metric].centre,
        z,
        triggered,
      };
    }
    if (flagged) verdicts.push({ node, metrics, deviationScore: score });
  }
  return verdicts.sort(
    (a, b) => b.deviationScore - a.deviationScore || a.node.nodeId - b.node.nodeId,
  );
}
