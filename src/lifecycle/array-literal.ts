/**
 * A PostgreSQL array literal. The batch arrays hold numbers and the model's own words (states,
 * reasons, addresses: letters, digits, dots and spaces); pg's generic array encoder, which
 * escapes every element, took about a fifth of the worker's time in an admission burst.
 */
export function arrayLiteral(values: readonly (number | string | null)[]): string {
  const items = values.map((v) => {
    if (v === null) return 'NULL';
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`);
      return String(v);
    }
    if (!/^[A-Za-z0-9. ]+$/.test(v)) throw new RangeError(`not a plain word: ${JSON.stringify(v)}`);
    return `"${v}"`;
  });
  return `{${items.join(',')}}`;
}
