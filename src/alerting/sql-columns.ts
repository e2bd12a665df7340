/**
 * The values of `keys` of every row, one array per key in that order: the parameters of an
 * `unnest($1::…[], $2::…[], …)` that writes any number of rows in one statement.
 */
export function columnsOf<T, K extends keyof T>(rows: readonly T[], keys: readonly K[]): T[K][][] {
  return keys.map((key) => rows.map((row) => row[key]));
}
