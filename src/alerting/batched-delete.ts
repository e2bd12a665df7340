import { Queryable } from '../store/queryable';

/**
 * A delete of at most `$2` rows of `table` that match `where` (in which `$1` is the cutoff),
 * returning how many went as `n`: a short statement that never holds many row locks.
 */
export function batchedDeleteSql(table: string, where: string): string {
  return `WITH gone AS (
         DELETE FROM ${table} WHERE id IN (
           SELECT id FROM ${table} WHERE ${where} LIMIT $2)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`;
}

/** Runs `step` (which deletes at most `batch` rows) until one deletes fewer; the total. */
export async function drain(step: () => Promise<number>, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await step();
    total += n;
    if (n < batch) return total;
  }
}

/** Deletes every row of `table` that matches `where` ($1: `cutoff`), `batch` rows a statement. */
export function deleteInBatches(
  q: Queryable,
  table: string,
  where: string,
  cutoff: Date,
  batch: number,
): Promise<number> {
  const sql = batchedDeleteSql(table, where);
  return drain(async () => ((await q.query(sql, [cutoff, batch])) as { n: number }[])[0].n, batch);
}
