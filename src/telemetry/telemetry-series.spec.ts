import { MAX_SERIES_BUCKETS, SeriesRangeError, seriesRange } from './telemetry-series';

describe('series range', () => {
  const now = new Date('2026-11-27T10:00:00Z');

  it('defaults to the hour before now', () => {
    const r = seriesRange('1m', null, null, now);
    expect(r.start.toISOString()).toBe('2026-11-27T09:00:00.000Z');
    expect(r.end).toEqual(now);
    expect(r.buckets).toBe(60);
  });

  it('defaults the start to an hour before a given end', () => {
    const r = seriesRange('5m', null, new Date('2026-11-27T08:00:00Z'), now);
    expect(r.start.toISOString()).toBe('2026-11-27T07:00:00.000Z');
    expect(r.buckets).toBe(12);
  });

  it('counts the epoch-aligned buckets a range touches', () => {
    const r = seriesRange(
      '1m',
      new Date('2026-11-27T09:00:30Z'),
      new Date('2026-11-27T09:02:30Z'),
      now,
    );
    expect(r.buckets).toBe(3);
  });

  it('rejects an empty or inverted range', () => {
    expect(() => seriesRange('1m', now, now, now)).toThrow(SeriesRangeError);
    expect(() => seriesRange('1m', now, new Date(now.getTime() - 1), now)).toThrow(
      'start_time must be before end_time',
    );
  });

  it('caps the number of buckets', () => {
    const start = new Date(now.getTime() - MAX_SERIES_BUCKETS * 60_000);
    expect(seriesRange('1m', start, now, now).buckets).toBe(MAX_SERIES_BUCKETS);
    expect(() => seriesRange('1m', new Date(start.getTime() - 60_000), now, now)).toThrow(
      /1441 buckets of 1m/,
    );
    expect(() => seriesRange('10s', new Date(now.getTime() - 86_400_000), now, now)).toThrow(
      SeriesRangeError,
    );
  });
});
