import { NodeState } from './node-state';

export enum DeploymentStatus {
  EMPTY = 'empty',
  PENDING = 'pending',
  IN_PROGRESS = 'in_progress',
  RUNNING = 'running',
  DEGRADED = 'degraded',
  FAILED = 'failed',
}

/** A deployment's status follows from how many of its nodes are in each state. */
export function deploymentStatus(counts: Record<NodeState, number>): DeploymentStatus {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (total === 0) return DeploymentStatus.EMPTY;
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
