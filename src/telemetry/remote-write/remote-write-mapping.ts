import type { RemoteWriteConfig } from '../sources/telemetry-config';
import type { RemoteWriteSeries } from './remote-write-decode';

/** How a deployment reads remote-written series (its `telemetry.remote_write`, or the defaults). */
export type RemoteWriteMapping = Pick<RemoteWriteConfig, 'node_label'> & {
  metrics: Partial<RemoteWriteConfig['metrics']>;
};

/** The three metrics, in the order of a point's values; error_rate is a percentage. */
const METRICS = [
  { name: 'latency_ms', max: Infinity },
  { name: 'throughput_gbps', max: Infinity },
  { name: 'error_rate', max: 100 },
] as const;

/** What became of the samples of one request; every sample is counted exactly once. */
export interface RemoteWriteCounts {
  /** Samples of series that are not a mapped metric or carry no node label. */
  ignored_series: number;
  /** Stale markers and other NaNs: "no value", never stored. */
  stale: number;
  /** Negative, infinite, or an error_rate over 100. */
  invalid: number;
  /** Stamped outside the instants a sample may carry (retention, clock skew). */
  out_of_window: number;
}

/** One node's values at one instant; a metric no series gave is null. */
export interface RemoteWritePoint {
  node: string;
  timestamp: number;
  values: [number | null, number | null, number | null];
}

/** The Prometheus stale marker is one NaN bit pattern; any NaN is treated alike (no value). */
function isNoValue(value: number): boolean {
  return Number.isNaN(value);
}

function millis(timestamp: RemoteWriteSample['timestamp']): number {
  return typeof timestamp === 'number' ? timestamp : timestamp.toNumber();
}
type RemoteWriteSample = RemoteWriteSeries['samples'][number];

/**
 * Turns decoded series into points per (node label value, timestamp): the samples of the three
 * mapped metrics at the same instant for the same node merge into one point. Everything else is
 * counted, not kept.
 */
export function mapRemoteWrite(
  series: RemoteWriteSeries[],
  mapping: RemoteWriteMapping,
  window: { oldest: number; newest: number },
): { points: RemoteWritePoint[]; counts: RemoteWriteCounts } {
  const counts: RemoteWriteCounts = { ignored_series: 0, stale: 0, invalid: 0, out_of_window: 0 };
  const byName = new Map<string, number>();
  METRICS.forEach((m, i) => {
    const name = mapping.metrics[m.name];
    if (name) byName.set(name, i);
  });
  const points = new Map<string, RemoteWritePoint>();
  for (const s of series) {
    let metric: number | undefined;
    let node: string | undefined;
    for (const label of s.labels) {
      if (label.name === '__name__') metric = byName.get(label.value);
      else if (label.name === mapping.node_label) node = label.value;
    }
    if (metric === undefined || node === undefined || node === '') {
      counts.ignored_series += s.samples.length;
      continue;
    }
    const max = METRICS[metric].max;
    for (const sample of s.samples) {
      const value = sample.value;
      const at = millis(sample.timestamp);
      if (isNoValue(value)) {
        counts.stale++;
      } else if (!Number.isFinite(value) || value < 0 || value > max) {
        counts.invalid++;
      } else if (at < window.oldest || at > window.newest) {
        counts.out_of_window++;
      } else {
        const key = `${at}\u0000${node}`;
        let point = points.get(key);
        if (!point) {
          point = { node, timestamp: at, values: [null, null, null] };
          points.set(key, point);
        }
        point.values[metric] = value;
      }
    }
  }
  return { points: [...points.values()], counts };
}
