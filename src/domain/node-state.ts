/** Where a node is in its rollout; the string values are what PostgreSQL and the API carry. */
export enum NodeState {
  PENDING = 'PENDING',
  PROVISIONING = 'PROVISIONING',
  CONFIGURING = 'CONFIGURING',
  RUNNING = 'RUNNING',
  FAILED = 'FAILED',
}

/** Lifecycle order (the enum's), so counts and dashboards list states the way a rollout moves. */
export const NODE_STATES: readonly NodeState[] = Object.freeze(Object.values(NodeState));

/** Counts per state: the given ones, every other state 0. */
export function stateCounts(
  given: Partial<Record<NodeState, number>> = {},
): Record<NodeState, number> {
  return Object.fromEntries(NODE_STATES.map((s) => [s, given[s] ?? 0])) as Record<
    NodeState,
    number
  >;
}
