import { NodeState } from '../../../src/domain/node-state';
import { assertTransition, nextScheduledState } from './node-state-machine';
import { REASONS, RETRY_REASON } from '../../../src/simulation/lifecycle-model';
import { managementAddress } from './management-address';
import { failsConfiguration, stepDurationMs } from './node-timing';

/** A due node as the advance transaction claimed it. */
export interface ClaimedNode {
  id: number;
  seq: number;
  state: NodeState;
  attempt: number;
  /** When its step was due (the node's next_step_at), epoch ms. */
  dueAtMs: number;
}

/** What happens to one claimed node; applied by one guarded UPDATE for the whole batch. */
export interface PlannedTransition {
  id: number;
  seq: number;
  from: NodeState;
  to: NodeState;
  attempt: number;
  /** Length of the step the node enters; null when it enters a terminal state. */
  durationMs: number | null;
  /** The address a node entering PROVISIONING gets when it has none yet (it keeps one it has). */
  ipAddress: string | null;
  reason: string;
  dueAtMs: number;
}

export { REASONS, RETRY_REASON };

export interface SimulationSettings {
  timeScale: number;
  failureRate: number;
}

/**
 * The next state of each due node from the pure simulation model. A due FAILED node is one an
 * operator marked for retry (the API bumped its attempt), so it re-enters PROVISIONING by the
 * `retry` cause; every other move is the schedule's.
 *
 * This is the model as specified and unit-tested; it does not run in the service. Workers run
 * the same model inside their batch statement (src/store/node-transition-sql.ts), and
 * test/lifecycle/transition-sql.e2e-spec.ts checks that statement against this function node by
 * node.
 */
export function planTransitions(
  nodes: readonly ClaimedNode[],
  sim: SimulationSettings,
): PlannedTransition[] {
  return nodes.map((node) => {
    const retry = node.state === NodeState.FAILED;
    const to = retry
      ? NodeState.PROVISIONING
      : nextScheduledState(node.state, failsConfiguration(node.id, node.attempt, sim.failureRate));
    if (to === null) {
      throw new RangeError(`Node ${node.id} is ${node.state}: nothing is scheduled for it`);
    }
    assertTransition(node.state, to, retry ? 'retry' : 'schedule');
    const terminal = to === NodeState.RUNNING || to === NodeState.FAILED;
    return {
      id: node.id,
      seq: node.seq,
      from: node.state,
      to,
      attempt: node.attempt,
      durationMs: terminal ? null : stepDurationMs(to, node.id, node.attempt, sim.timeScale),
      ipAddress: to === NodeState.PROVISIONING ? managementAddress(node.id) : null,
      reason: retry ? RETRY_REASON : REASONS[to]!,
      dueAtMs: node.dueAtMs,
    };
  });
}
