import {
  MAX_SERIES_BUCKETS,
  mergeSeriesParts,
  SeriesRangeError,
  seriesPlan,
  seriesRange,
  seriesTooLarge,
} from './telemetry-series';

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

describe('series plan', () => {
  const at = (t: string) => new Date(`2026-11-27T${t}Z`);
  const iso = (r: { from: Date; to: Date }) => [r.from.toISOString(), r.to.toISOString()];

  it('reads 10-second buckets raw, with p95', () => {
    const plan = seriesPlan(at('09:00:05'), at('09:10:00'), 10_000);
    expect(plan.minutes).toBeNull();
    expect(plan.raw.map(iso)).toEqual([['2026-11-27T09:00:05.000Z', '2026-11-27T09:10:00.000Z']]);
    expect(plan.p95).toBe(true);
  });

  it('reads whole minutes from rollups and only the cut edge minutes raw', () => {
    const plan = seriesPlan(at('09:00:30'), at('09:05:10'), 60_000);
    expect(iso(plan.minutes!)).toEqual(['2026-11-27T09:01:00.000Z', '2026-11-27T09:05:00.000Z']);
    expect(plan.raw.map(iso)).toEqual([
      ['2026-11-27T09:00:30.000Z', '2026-11-27T09:01:00.000Z'],
      ['2026-11-27T09:05:00.000Z', '2026-11-27T09:05:10.000Z'],
    ]);
    expect(plan.p95).toBe(false);
  });

  it('reads nothing raw when the range is made of whole minutes', () => {
    const plan = seriesPlan(at('09:00:00'), at('10:00:00'), 300_000);
    expect(iso(plan.minutes!)).toEqual(['2026-11-27T09:00:00.000Z', '2026-11-27T10:00:00.000Z']);
    expect(plan.raw).toEqual([]);
  });

  it('reads a range inside one minute raw, still without p95', () => {
    const plan = seriesPlan(at('09:00:10'), at('09:00:50'), 60_000);
    expect(plan.minutes).toBeNull();
    expect(plan.raw.map(iso)).toEqual([['2026-11-27T09:00:10.000Z', '2026-11-27T09:00:50.000Z']]);
    expect(plan.p95).toBe(false);
  });
});

describe('merging series parts', () => {
  const t = (m: number) => new Date(Date.UTC(2026, 10, 27, 9, m));

  it('passes lone buckets through and weights shared ones by count', () => {
    const rollups = [
      { t: t(0), avg: 10, p95: null, max: 20, count: 3 },
      { t: t(5), avg: 4, p95: null, max: 9, count: 2 },
    ];
    const raw = [
      { t: t(5), avg: 1, p95: null, max: 30, count: 1 },
      { t: t(10), avg: 7, p95: null, max: 7, count: 1 },
    ];
    expect(mergeSeriesParts(rollups, raw)).toEqual([
      rollups[0],
      { t: t(5), avg: 3, p95: null, max: 30, count: 3 },
      raw[1],
    ]);
  });
});

describe('series bound', () => {
  it('names what to ask instead', () => {
    expect(seriesTooLarge(3_000_000, 2_000_000, '10s', false)).toBe(
      'This series would read about 3000000 raw samples, more than MAX_SERIES_RAW_SAMPLES (2000000); ask for bucket=1m or wider (read from per-minute rollups, without p95), or a shorter start_time..end_time, or one node (node_id)',
    );
    expect(seriesTooLarge(5, 4, '1m', true)).toMatch(/whole minutes/);
  });
});
