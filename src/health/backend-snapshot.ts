import { deploymentStatus, DeploymentStatus } from '../domain/deployment-status';
import { NODE_STATES, NodeState } from '../domain/node-state';
import { RolloutStatus } from '../domain/rollout';
import { QUEUE_JOB_STATES } from '../queue/job-states';
import type { TelemetryStats } from '../telemetry/telemetry-stats';

export type QueueJobState = (typeof QUEUE_JOB_STATES)[number];

/** One deployment's node counts by state and its rollout's status (null without a strategy). */
export interface FleetRow {
  id: number;
  counts: Record<NodeState, number>;
  rollout?: RolloutStatus | null;
}

export interface QueueSnapshot {
  name: string;
  counts: Record<QueueJobState, number>;
  /** Worker connections attached to the queue. */
  workers: number;
}

/**
 * What the probes and the scrape report, read from PostgreSQL and Redis in one go; a backend
 * that did not answer is null.
 */
export interface BackendSnapshot {
  /** When the read started: the figures are at least this fresh. */
  readAt: Date;
  database: { fleet: FleetRow[]; samplesWritten: number } | null;
  redis: { queues: QueueSnapshot[]; telemetry: TelemetryStats } | null;
}

export interface FleetTotals {
  nodes: Record<NodeState, number>;
  deployments: number;
  byStatus: Record<DeploymentStatus, number>;
  /** Deployments with at least one node that is not FAILED. */
  active: number;
}

/** Sums the per-deployment counts into the fleet's totals. */
export function fleetTotals(fleet: readonly FleetRow[]): FleetTotals {
  const nodes = Object.fromEntries(NODE_STATES.map((s) => [s, 0])) as Record<NodeState, number>;
  const byStatus = Object.fromEntries(Object.values(DeploymentStatus).map((s) => [s, 0])) as Record<
    DeploymentStatus,
    number
  >;
  let active = 0;
  for (const { counts, rollout } of fleet) {
    for (const s of NODE_STATES) nodes[s] += counts[s];
    byStatus[deploymentStatus(counts, rollout ?? null)] += 1;
    if (NODE_STATES.some((s) => s !== NodeState.FAILED && counts[s] > 0)) active += 1;
  }
  return { nodes, deployments: fleet.length, byStatus, active };
}
