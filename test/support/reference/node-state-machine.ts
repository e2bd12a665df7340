import { NodeState } from '../../../src/domain/node-state';

/**
 * What moved a node: `schedule` is the worker advancing a due node, `retry` an operator's
 * explicit request. Kept apart so the scheduler can never resurrect a FAILED node by itself.
 */
export type TransitionCause = 'schedule' | 'retry';

/** States the scheduler never leaves on its own. */
export const TERMINAL_STATES: readonly NodeState[] = Object.freeze([
  NodeState.RUNNING,
  NodeState.FAILED,
]);

/** States that hold a slot of a rollout's max_parallel: the node is busy on real hardware. */
export const ACTIVE_STATES: readonly NodeState[] = Object.freeze([
  NodeState.PROVISIONING,
  NodeState.CONFIGURING,
]);

const NONE: readonly NodeState[] = Object.freeze([]);

const TRANSITIONS: Readonly<
  Record<TransitionCause, Readonly<Record<NodeState, readonly NodeState[]>>>
> = {
  schedule: {
    [NodeState.PENDING]: [NodeState.PROVISIONING],
    [NodeState.PROVISIONING]: [NodeState.CONFIGURING],
    [NodeState.CONFIGURING]: [NodeState.RUNNING, NodeState.FAILED],
    [NodeState.RUNNING]: NONE,
    [NodeState.FAILED]: NONE,
  },
  retry: {
    [NodeState.PENDING]: NONE,
    [NodeState.PROVISIONING]: NONE,
    [NodeState.CONFIGURING]: NONE,
    [NodeState.RUNNING]: NONE,
    [NodeState.FAILED]: [NodeState.PROVISIONING],
  },
};

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: NodeState,
    readonly to: NodeState,
    readonly transitionCause: TransitionCause,
  ) {
    super(describeIllegal(from, to, transitionCause));
    this.name = 'IllegalTransitionError';
  }
}

export function isTerminal(state: NodeState): boolean {
  return TERMINAL_STATES.includes(state);
}

export function canTransition(from: NodeState, to: NodeState, cause: TransitionCause): boolean {
  // Optional chaining because callers at the edges (JSON, SQL rows) may hand us any string.
  return TRANSITIONS[cause]?.[from]?.includes(to) ?? false;
}

export function assertTransition(from: NodeState, to: NodeState, cause: TransitionCause): void {
  if (!canTransition(from, to, cause)) throw new IllegalTransitionError(from, to, cause);
}

/** The state the scheduler moves a node to when its step is due; null when nothing is due. */
export function nextScheduledState(from: NodeState, failsConfiguration: boolean): NodeState | null {
  switch (from) {
    case NodeState.PENDING:
      return NodeState.PROVISIONING;
    case NodeState.PROVISIONING:
      return NodeState.CONFIGURING;
    case NodeState.CONFIGURING:
      return failsConfiguration ? NodeState.FAILED : NodeState.RUNNING;
    case NodeState.RUNNING:
    case NodeState.FAILED:
      return null;
  }
}

function describeIllegal(from: NodeState, to: NodeState, cause: TransitionCause): string {
  const head = `Illegal ${cause} transition ${from} -> ${to}`;
  const allowed = TRANSITIONS[cause]?.[from] ?? NONE;
  if (allowed.length > 0) {
    return `${head}: a ${from} node can only move to ${allowed.join(' or ')}.`;
  }
  if (cause === 'retry') return `${head}: only a FAILED node can be retried.`;
  if (from === NodeState.FAILED) {
    return `${head}: FAILED is terminal; only an explicit retry moves it back to PROVISIONING.`;
  }
  return `${head}: ${from} is terminal.`;
}
