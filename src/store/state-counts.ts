import { NODE_STATES, NodeState } from '../domain/node-state';

/**
 * Reading node_state_counts, the per-deployment node counts that triggers on nodes keep exact
 * (migration 1764260900000): one row per deployment and run of node numbers, a column per state.
 */

export const emptyStateCounts = (): Record<NodeState, number> =>
  Object.fromEntries(NODE_STATES.map((s) => [s, 0])) as Record<NodeState, number>;

/** The five per-state sums of node_state_counts rows, as state_<lowercase state>. */
export const COUNT_SUMS = NODE_STATES.map(
  (s) => `COALESCE(sum(${s.toLowerCase()}), 0)::int AS state_${s.toLowerCase()}`,
).join(', ');

/** Per-state counts from a row holding COUNT_SUMS. */
export function countsOf(row: Record<string, unknown> | undefined): Record<NodeState, number> {
  const counts = emptyStateCounts();
  for (const s of NODE_STATES) counts[s] = Number(row?.[`state_${s.toLowerCase()}`] ?? 0);
  return counts;
}
