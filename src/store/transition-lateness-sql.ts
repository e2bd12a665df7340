import { BuiltSqlExample } from '../database/generate-sql';
import { TRANSITION_LATENESS_BUCKETS } from '../observability/worker-metrics';

/**
 * Two summary columns of the batch statement (node-transition-sql.ts) for the transition
 * lateness histogram: `lateness_le`, how many moves were at most each TRANSITION_LATENESS_BUCKETS
 * bound late (cumulative, as Prometheus buckets are), and `lateness_sum`, their lateness in
 * seconds. A move's lateness is the batch's now() (its state_changed_at) minus `scheduledAt`, the
 * step end it was due at. Aggregates over the moves of one shard row.
 */
export function latenessSummarySql(scheduledAt: string): string {
  const late = `extract(epoch FROM now() - ${scheduledAt})`;
  const buckets = TRANSITION_LATENESS_BUCKETS.map(
    (bound) => `count(*) FILTER (WHERE ${late} <= ${bound})::int`,
  ).join(', ');
  return `ARRAY[${buckets}] AS lateness_le, sum(${late})::float8 AS lateness_sum`;
}

/** The two columns as the batch statement selects them, for the catalogue of the SQL that runs. */
export const SQL_EXAMPLES: BuiltSqlExample[] = [
  {
    name: "latenessSummarySql('m.due_at'): select-list columns",
    sql: latenessSummarySql('m.due_at'),
  },
];
