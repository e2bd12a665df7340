/** Bucketed series: the metrics, bucket widths and limits the series endpoint accepts. */
export const SERIES_METRICS = ['latency_ms', 'throughput_gbps', 'error_rate'] as const;
export type SeriesMetric = (typeof SERIES_METRICS)[number];

export const SERIES_BUCKETS = {
  '10s': 10_000,
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
} as const;
export type SeriesBucket = keyof typeof SERIES_BUCKETS;

/** Enough for a day at one-minute resolution; beyond that a chart wants a wider bucket. */
export const MAX_SERIES_BUCKETS = 1440;
/** Without start_time, a series covers this much before end_time. */
export const DEFAULT_SERIES_SPAN_MS = 3_600_000;

export class SeriesRangeError extends Error {}

/**
 * The [start, end) range of a series request with defaults filled in, or a SeriesRangeError
 * naming the parameter at fault.
 */
export function seriesRange(
  bucket: SeriesBucket,
  start: Date | null,
  end: Date | null,
  now: Date,
): { start: Date; end: Date; buckets: number } {
  const to = end ?? now;
  const from = start ?? new Date(to.getTime() - DEFAULT_SERIES_SPAN_MS);
  if (from >= to) throw new SeriesRangeError('start_time must be before end_time');
  const width = SERIES_BUCKETS[bucket];
  // Buckets are aligned to the epoch, so a range may touch one more bucket than it spans.
  const buckets = Math.floor((to.getTime() - 1) / width) - Math.floor(from.getTime() / width) + 1;
  if (buckets > MAX_SERIES_BUCKETS) {
    throw new SeriesRangeError(
      `start_time..end_time spans ${buckets} buckets of ${bucket}; at most ${MAX_SERIES_BUCKETS} are returned, so narrow the range or widen bucket`,
    );
  }
  return { start: from, end: to, buckets };
}
