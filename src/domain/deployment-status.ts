import { NodeState } from './node-state';
import { RolloutStatus } from './rollout';

export enum DeploymentStatus {
  EMPTY = 'empty',
  PENDING = 'pending',
  IN_PROGRESS = 'in_progress',
  RUNNING = 'running',
  DEGRADED = 'degraded',
  FAILED = 'failed',
  PAUSED = 'paused',
  HALTED = 'halted',
  ABORTED = 'aborted',
}

/** The rollout statuses that stop admission: while nodes wait PENDING, the deployment shows them. */
const STOPPED: ReadonlySet<RolloutStatus> = new Set([
  RolloutStatus.PAUSED,
  RolloutStatus.HALTED,
  RolloutStatus.ABORTED,
]);

/**
 * A deployment's status follows from how many of its nodes are in each state, and from its
 * rollout (null without a strategy): a rollout that is paused, halted or aborted while nodes still
 * wait PENDING shows as such (nodes already in flight finish meanwhile), since those nodes will not
 * start until it resumes or, halted or aborted, until they are retried or removed.
 */
export function deploymentStatus(
  counts: Record<NodeState, number>,
  rollout: RolloutStatus | null = null,
): DeploymentStatus {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (total === 0) return DeploymentStatus.EMPTY;
  if (rollout !== null && STOPPED.has(rollout) && counts.PENDING > 0) {
    return rollout as string as DeploymentStatus;
  }
  if (counts.PENDING === total) return DeploymentStatus.PENDING;
  if (counts.RUNNING === total) return DeploymentStatus.RUNNING;
  if (counts.FAILED === total) return DeploymentStatus.FAILED;
  if (counts.RUNNING + counts.FAILED === total) return DeploymentStatus.DEGRADED;
  return DeploymentStatus.IN_PROGRESS;
}

export function progressPercent(counts: Record<NodeState, number>): number {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  return Math.floor(((counts.RUNNING + counts.FAILED) * 10000) / total) / 100;
}
