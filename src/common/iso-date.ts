/** Dates on the wire are ISO 8601 UTC with Z, as every response and query parameter uses them. */
export function iso(date: Date | string | null | undefined): string | null {
  if (date === null || date === undefined) return null;
  return (date instanceof Date ? date : new Date(date)).toISOString();
}

/** An ISO 8601 timestamp with an offset (or Z) or a date; anything else is rejected. */
const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}(:?\d{2})?)?)?$/;

/** Parses an ISO 8601 string honouring its offset; null when it is not one or not a real date. */
export function parseIsoDate(value: unknown): Date | null {
  if (typeof value !== 'string' || !ISO_8601.test(value)) return null;
  const [y, m, d] = value.slice(0, 10).split('-').map(Number);
  const calendar = new Date(Date.UTC(y, m - 1, d));
  if (calendar.getUTCMonth() !== m - 1 || calendar.getUTCDate() !== d) return null;
  // Without an offset a time is UTC, whatever the server's time zone.
  const zoned = /[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value) ? `${value}Z` : value;
  const date = new Date(zoned.replace(' ', 'T'));
  if (Number.isNaN(date.getTime())) return null;
  const year = date.getUTCFullYear();
  return year < 1900 || year > 9999 ? null : date;
}
