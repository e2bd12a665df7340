import type { Pool } from 'pg';

/**
 * The bottleneck computation written out plainly over raw samples: the reference every
 * bottleneck and alerting test holds the service to. Both methods, per peer group.
 */
export const METRICS = ['latency_ms', 'throughput_gbps', 'error_rate'] as const;
export type Metric = (typeof METRICS)[number];
/** Which direction of a metric is bad: higher latency and errors, lower throughput. */
export const SIGN: Record<Metric, number> = { latency_ms: 1, throughput_gbps: -1, error_rate: 1 };
export const WEIGHT: Record<Metric, number> = {
  latency_ms: 0.4,
  throughput_gbps: 0.4,
  error_rate: 0.2,
};

export type Method = 'zscore' | 'mad';

/** A raw sample; a metric may be null (the sample lacks it), never all three. */
export interface ReferenceSample extends Record<Metric, number | null> {
  node_id: number;
  role?: string;
}

export interface ReferenceOptions {
  method: Method;
  threshold: number;
  /** Nodes with fewer samples in the window are left out (default 1). */
  minSamples?: number;
  /** The peer group of a sample's node (default: every node in one group, 'deployment'). */
  groupOf?: (sample: ReferenceSample) => string;
}

export interface Scale {
  /** null when no sample of the group carries the metric. */
  centre: number | null;
  /** null when the group has no spread: every z is then 0. */
  scale: number | null;
}

export interface Flagged {
  id: number;
  group: string;
  /** null for a metric the node has no samples of: it is not scored on it. */
  z: Record<Metric, number | null>;
  score: number;
}

export interface Reference {
  /** Highest score first, ties by node id. */
  flagged: Flagged[];
  analysed: number;
  excluded: number;
  samples: number;
  groups: Map<string, Record<Metric, Scale>>;
}

/** Equal to rounding (the service sums rollups, the reference raw samples), or both null. */
export const close = (a: number | null, b: number | null) =>
  a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

const zeroSpread = (s: number | null, c: number) =>
  s === null || s <= 1e-9 * Math.max(1, Math.abs(c));

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

/** The values of one metric that are there (nulls left out, never read as 0). */
const valuesOf = (rows: Record<Metric, number | null>[], k: Metric) =>
  rows.map((r) => r[k]).filter((v): v is number => v !== null);

function scaleOf(
  method: Method,
  samples: ReferenceSample[],
  nodeMeans: Record<Metric, number | null>[],
  k: Metric,
): Scale {
  const all = valuesOf(samples, k);
  const means = valuesOf(nodeMeans, k);
  if (all.length === 0) return { centre: null, scale: null };
  if (method === 'zscore') {
    const mu = all.reduce((a, v) => a + v, 0) / all.length;
    const sd =
      all.length > 1
        ? Math.sqrt(all.reduce((a, v) => a + (v - mu) ** 2, 0) / (all.length - 1))
        : null;
    return { centre: mu, scale: zeroSpread(sd, mu) ? null : sd };
  }
  const c = median(means);
  const dev = means.map((m) => Math.abs(m - c));
  const mad = median(dev);
  const meanAd = dev.reduce((a, b) => a + b, 0) / dev.length;
  return {
    centre: c,
    scale: !zeroSpread(mad, c) ? mad / 0.6745 : zeroSpread(meanAd, c) ? null : 1.253314 * meanAd,
  };
}

export function bottleneckReference(
  samples: ReferenceSample[],
  options: ReferenceOptions,
): Reference {
  const { method, threshold, minSamples = 1, groupOf = () => 'deployment' } = options;
  const byNode = new Map<number, ReferenceSample[]>();
  for (const s of samples) byNode.set(s.node_id, [...(byNode.get(s.node_id) ?? []), s]);
  const kept = [...byNode].filter(([, v]) => v.length >= minSamples);
  const groups = new Map<string, Record<Metric, Scale>>();
  const flagged: Flagged[] = [];
  let analysed = 0;
  let analysedSamples = 0;
  for (const group of new Set(kept.map(([, v]) => groupOf(v[0])))) {
    const members = kept.filter(([, v]) => groupOf(v[0]) === group);
    const all = members.flatMap(([, v]) => v);
    const means = members.map(([id, v]) => ({
      id,
      m: Object.fromEntries(
        METRICS.map((k) => {
          const values = valuesOf(v, k);
          return [k, values.length ? values.reduce((a, x) => a + x, 0) / values.length : null];
        }),
      ),
    })) as { id: number; m: Record<Metric, number | null> }[];
    const scale = Object.fromEntries(
      METRICS.map((k) => [
        k,
        scaleOf(
          method,
          all,
          means.map((x) => x.m),
          k,
        ),
      ]),
    ) as Record<Metric, Scale>;
    groups.set(group, scale);
    analysed += means.length;
    analysedSamples += all.length;
    for (const x of means) {
      const z = Object.fromEntries(
        METRICS.map((k) => {
          const { centre, scale: sc } = scale[k];
          const mean = x.m[k];
          if (mean === null) return [k, null];
          return [k, sc === null || centre === null ? 0 : (SIGN[k] * (mean - centre)) / sc];
        }),
      ) as Record<Metric, number | null>;
      if (METRICS.some((k) => z[k] !== null && z[k] >= threshold)) {
        const score = METRICS.reduce((a, k) => a + WEIGHT[k] * Math.max(0, z[k] ?? 0), 0);
        flagged.push({ id: x.id, group, z, score });
      }
    }
  }
  flagged.sort((a, b) => b.score - a.score || a.id - b.id);
  return {
    flagged,
    analysed,
    excluded: byNode.size - analysed,
    samples: analysedSamples,
    groups,
  };
}

/** The raw samples of a deployment's window, with their node's role (none once deleted). */
export async function windowSamples(
  db: Pool,
  deploymentId: number,
  window: { window_start: string; window_end: string },
): Promise<ReferenceSample[]> {
  const { rows } = await db.query<ReferenceSample>(
    `SELECT s.node_id, n.role, s.latency_ms, s.throughput_gbps, s.error_rate
     FROM telemetry_samples s LEFT JOIN nodes n ON n.id = s.node_id
     WHERE s.deployment_id = $1 AND s."timestamp" >= $2 AND s."timestamp" <= $3`,
    [deploymentId, window.window_start, window.window_end],
  );
  return rows;
}
