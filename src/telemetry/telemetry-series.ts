import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../domain/time';

/** Bucketed series: the bucket widths and limits the series endpoint accepts (any metric). */
export const SERIES_BUCKETS = {
  '10s': 10 * SECOND_MS,
  '1m': MINUTE_MS,
  '5m': 5 * MINUTE_MS,
  '15m': 15 * MINUTE_MS,
  '1h': HOUR_MS,
  '1d': DAY_MS,
} as const;
export type SeriesBucket = keyof typeof SERIES_BUCKETS;

/** Enough for a day at one-minute resolution; beyond that a chart wants a wider bucket. */
export const MAX_SERIES_BUCKETS = 1440;
/** Without start_time, a series covers this much before end_time. */
export const DEFAULT_SERIES_SPAN_MS = HOUR_MS;

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
