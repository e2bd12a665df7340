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

/** A half-open time range [from, to). */
export interface TimeRange {
  from: Date;
  to: Date;
}

/**
 * Where a series request reads what: `minutes` (whole minutes, from the per-minute rollups) and
 * `raw` (the rest, from the samples). Buckets under a minute read everything raw, with p95;
 * buckets of a minute or more read whole minutes from the rollups and only the cut minutes at
 * the edges of the range raw, without p95 (percentiles cannot be composed from rollups).
 */
export interface SeriesPlan {
  minutes: TimeRange | null;
  raw: TimeRange[];
  p95: boolean;
}

export function seriesPlan(start: Date, end: Date, bucketMs: number): SeriesPlan {
  if (bucketMs < MINUTE_MS) return { minutes: null, raw: [{ from: start, to: end }], p95: true };
  const wholeFrom = new Date(Math.ceil(start.getTime() / MINUTE_MS) * MINUTE_MS);
  const wholeTo = new Date(Math.floor(end.getTime() / MINUTE_MS) * MINUTE_MS);
  if (wholeFrom >= wholeTo) return { minutes: null, raw: [{ from: start, to: end }], p95: false };
  const raw: TimeRange[] = [];
  if (start < wholeFrom) raw.push({ from: start, to: wholeFrom });
  if (wholeTo < end) raw.push({ from: wholeTo, to: end });
  return { minutes: { from: wholeFrom, to: wholeTo }, raw, p95: false };
}

/** One bucket of a series as the parts of a plan return it. */
export interface SeriesPart {
  t: Date;
  avg: number;
  p95: number | null;
  max: number;
  count: number;
}

/**
 * Buckets of the rollup part and of the raw part merged by start time (a bucket may have both:
 * whole minutes and a cut edge minute), oldest first. A bucket only one part holds is passed
 * through unchanged; p95 stays only where the raw part alone made the bucket.
 */
export function mergeSeriesParts(a: SeriesPart[], b: SeriesPart[]): SeriesPart[] {
  const byTime = new Map<number, SeriesPart>();
  for (const part of [...a, ...b]) {
    const t = part.t.getTime();
    const seen = byTime.get(t);
    if (!seen) {
      byTime.set(t, part);
      continue;
    }
    const count = seen.count + part.count;
    byTime.set(t, {
      t: seen.t,
      avg: (seen.avg * seen.count + part.avg * part.count) / count,
      p95: null,
      max: Math.max(seen.max, part.max),
      count,
    });
  }
  return [...byTime.values()].sort((x, y) => x.t.getTime() - y.t.getTime());
}

/** The 422 of a series that would read more than `limit` raw samples, with what to ask instead. */
export function seriesTooLarge(
  samples: number,
  limit: number,
  bucket: SeriesBucket,
  byNode: boolean,
): string {
  const ways =
    SERIES_BUCKETS[bucket] < MINUTE_MS
      ? [
          'bucket=1m or wider (read from per-minute rollups, without p95)',
          'a shorter start_time..end_time',
          ...(byNode ? [] : ['one node (node_id)']),
        ]
      : [
          'start_time and end_time on whole minutes (whole minutes are read from rollups)',
          ...(byNode ? [] : ['one node (node_id)']),
        ];
  return `This series would read about ${samples} raw samples, more than MAX_SERIES_RAW_SAMPLES (${limit}); ask for ${ways.join(', or ')}`;
}
