import { iso, parseIsoDate } from './iso-date';

describe('parseIsoDate', () => {
  it.each([
    ['2026-11-27T10:00:00Z', '2026-11-27T10:00:00.000Z'],
    ['2026-11-27T12:00:00+02:00', '2026-11-27T10:00:00.000Z'],
    ['2026-11-27T05:30:00-0430', '2026-11-27T10:00:00.000Z'],
    ['2026-11-27T10:00:00.123456Z', '2026-11-27T10:00:00.123Z'],
    ['2026-11-27T10:00:00', '2026-11-27T10:00:00.000Z'],
    ['2026-11-27 10:00', '2026-11-27T10:00:00.000Z'],
    ['2026-11-27', '2026-11-27T00:00:00.000Z'],
  ])('honours the offset of %s', (input, expected) => {
    expect(parseIsoDate(input)?.toISOString()).toBe(expected);
  });

  it.each([
    'yesterday',
    '2026-13-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '1700000000',
    '',
    12,
    null,
  ])('rejects %p', (input) => {
    expect(parseIsoDate(input)).toBeNull();
  });

  it('formats as ISO 8601 UTC with Z', () => {
    expect(iso(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe('2026-01-02T03:04:05.000Z');
    expect(iso(null)).toBeNull();
  });
});
