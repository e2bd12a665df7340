/**
 * Bottleneck maths, pure: no I/O. The SQL layer supplies per-node means and, for zscore, the
 * moments of every sample in the window; everything else is decided here.
 */
import { Metric, METRICS } from '../domain/telemetry-metrics';

export const DETECTION_METHODS = ['zscore', 'mad'] as const;
export type DetectionMethod = (typeof DETECTION_METHODS)[number];

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

/** Robust z = MAD_Z_FACTOR·(x − median)/MAD: makes MAD comparable to a normal SD. */
export const MAD_Z_FACTOR = 0.6745;
/** Where MAD is zero: z = (x − median)/(MEAN_AD_FACTOR · mean absolute deviation). */
export const MEAN_AD_FACTOR = 1.253314;

export type SpreadKind = 'stddev' | 'mad' | 'mean_absolute_deviation';

/** How one metric's z is formed: z = direction·(value − centre)/scale, 0 when scale is null. */
export interface MetricBaseline {
  /** Null when the peer group has no samples of the metric (no node is scored on it). */
  centre: number | null;
  /** The spread measure named by `kind`; null when there is none (fewer than two values). */
  spread: number | null;
  kind: SpreadKind;
  /** The divisor of z; null when the spread counts as zero, which makes every z 0. */
  scale: number | null;
}

export type Baseline = Record<Metric, MetricBaseline>;

/** Count, mean and sum of squared deviations (M2) of a set of values. */
export interface Moments {
  n: number;
  mean: number;
  m2: number;
}

export interface NodeAggregate {
  nodeId: number;
  samples: number;
  /** Null for a metric the node has no samples of in the window. */
  means: Record<Metric, number | null>;
  /** The node's samples of each metric (a sample may lack some). */
  counts: Record<Metric, number>;
  lastTimestamp: Date;
}

/** One metric of a node: value, z and samples null/0 where the node has none of it. */
export interface MetricVerdict {
  value: number | null;
  baseline: number | null;
  z: number | null;
  triggered: boolean;
  samples: number;
}

export interface Verdict {
  node: NodeAggregate;
  metrics: Record<Metric, MetricVerdict>;
  deviationScore: number;
}

/** A spread this small is floating-point noise of a constant metric: treat as zero. */
export function isZeroSpread(spread: number | null, centre: number | null): boolean {
  return (
    spread === null ||
    !Number.isFinite(spread) ||
    spread <= 1e-9 * Math.max(1, Math.abs(centre ?? 0))
  );
}

/** Chan et al.: the moments of the union of two disjoint sets, without sums of squares. */
export function mergeMoments(a: Moments, b: Moments): Moments {
  if (a.n === 0) return { ...b };
  if (b.n === 0) return { ...a };
  const n = a.n + b.n;
  const delta = b.mean - a.mean;
  return {
    n,
    mean: a.mean + (delta * b.n) / n,
    m2: a.m2 + b.m2 + (delta * delta * a.n * b.n) / n,
  };
}

/** Moments of raw values, two-pass. */
export function momentsOf(values: readonly number[]): Moments {
  if (values.length === 0) return { n: 0, mean: 0, m2: 0 };
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return { n: values.length, mean, m2: values.reduce((s, v) => s + (v - mean) ** 2, 0) };
}

/**
 * The seed's baseline: mean and sample standard deviation of every sample in the window, per
 * metric over the samples that carry it (no centre without any).
 */
export function zscoreBaseline(moments: Record<Metric, Moments>): Baseline {
  const out = {} as Baseline;
  for (const metric of METRICS) {
    const { n, mean, m2 } = moments[metric];
    const spread = n > 1 ? Math.sqrt(Math.max(0, m2) / (n - 1)) : null;
    out[metric] = {
      centre: n > 0 ? mean : null,
      spread,
      kind: 'stddev',
      scale: isZeroSpread(spread, mean) ? null : spread,
    };
  }
  return out;
}

/** Median of a list (mean of the two middle values for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Robust baseline over node means: median and MAD; where MAD counts as zero, the scaled mean
 * absolute deviation from the median; where that is zero too, no z at all. Per metric over the
 * nodes that have samples of it (no centre without any).
 */
export function madBaseline(nodes: readonly NodeAggregate[]): Baseline {
  const out = {} as Baseline;
  for (const metric of METRICS) {
    const values: number[] = [];
    for (const n of nodes) {
      const mean = n.means[metric];
      if (mean !== null) values.push(mean);
    }
    if (values.length === 0) {
      out[metric] = { centre: null, spread: null, kind: 'mad', scale: null };
      continue;
    }
    const centre = median(values);
    const deviations = values.map((v) => Math.abs(v - centre));
    const mad = median(deviations);
    if (!isZeroSpread(mad, centre)) {
      out[metric] = { centre, spread: mad, kind: 'mad', scale: mad / MAD_Z_FACTOR };
      continue;
    }
    const meanAd = deviations.reduce((s, d) => s + d, 0) / deviations.length;
    out[metric] = {
      centre,
      spread: meanAd,
      kind: 'mean_absolute_deviation',
      scale: isZeroSpread(meanAd, centre) ? null : MEAN_AD_FACTOR * meanAd,
    };
  }
  return out;
}

/** z in the bad direction; 0 where the spread counts as zero, so noise never flags a node. */
export function badDirectionZ(metric: Metric, value: number, base: MetricBaseline): number {
  if (base.scale === null || base.centre === null) return 0;
  const z = (BAD_DIRECTION[metric] * (value - base.centre)) / base.scale;
  return Number.isFinite(z) ? z : 0;
}

/**
 * Scores every node against the baseline; returns the bottlenecks, worst first. A node is not
 * scored on a metric it has no samples of: z null, never triggered, nothing added to its score.
 */
export function detectBottlenecks(
  nodes: readonly NodeAggregate[],
  baseline: Baseline,
  threshold: number,
): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const node of nodes) {
    let score = 0;
    let flagged = false;
    const metrics = {} as Record<Metric, MetricVerdict>;
    for (const metric of METRICS) {
      const value = node.means[metric];
      const samples = node.counts[metric];
      if (value === null) {
        const centre = baseline[metric].centre;
        metrics[metric] = { value, baseline: centre, z: null, triggered: false, samples };
        continue;
      }
      const z = badDirectionZ(metric, value, baseline[metric]);
      const triggered = z >= threshold;
      flagged ||= triggered;
      score += WEIGHTS[metric] * Math.max(0, z);
      metrics[metric] = { value, baseline: baseline[metric].centre, z, triggered, samples };
    }
    if (flagged)
      verdicts.push({ node, metrics, deviationScore: Number.isFinite(score) ? score : 0 });
  }
  return verdicts.sort(
    (a, b) => b.deviationScore - a.deviationScore || a.node.nodeId - b.node.nodeId,
  );
}
