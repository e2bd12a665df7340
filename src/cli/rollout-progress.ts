import type { Schema } from '../client/netorch-client';

type Detail = Schema<'DeploymentDetailResponse'>;
type Rollout = Schema<'RolloutResponse'>;

/** How a watch ends: completed exits 0, the others 1. */
export type Outcome = 'completed' | 'halted' | 'aborted' | 'failed' | 'deleted';

export interface RolloutProgress {
  /** Nodes that exist now, the bar's total. */
  total: number;
  /** Nodes RUNNING or FAILED, the bar's value. */
  done: number;
  admitted: number;
  /** PROVISIONING or CONFIGURING now. */
  inFlight: number;
  failed: number;
  /** "wave 2 of 5", "canary (wave 1 of 5)", or "no strategy" */
  wave: string;
  status: string;
  /** Set once nothing more will happen without an operator. */
  outcome: Outcome | null;
  /** One line for the end of a watch. */
  summary: string;
}

function waveLabel(rollout: Rollout | null): string {
  if (!rollout) return 'no strategy';
  const label = `wave ${rollout.wave + 1} of ${rollout.waves_total}`;
  const canary = (rollout.strategy as { canary?: number } | undefined)?.canary ?? 0;
  return rollout.wave === 0 && canary > 0 ? `canary (${label})` : label;
}

function outcomeOf(d: Detail): Outcome | null {
  const rollout = d.rollout as Rollout | null;
  if (rollout) {
    if (rollout.status === 'completed') return 'completed';
    if (rollout.status === 'halted' || rollout.status === 'aborted') return rollout.status;
    return null;
  }
  // Without a strategy the deployment itself is watched: done once every node is terminal.
  if (d.status === 'running' || d.status === 'empty') return 'completed';
  if (d.status === 'degraded' || d.status === 'failed') return 'failed';
  return null;
}

/** What a deployment's detail says about its rollout, for the bar and the exit code. */
export function rolloutProgress(d: Detail): RolloutProgress {
  const c = d.state_counts;
  const rollout = d.rollout as Rollout | null;
  const total = d.current_node_count;
  const failed = c.FAILED;
  const done = c.RUNNING + c.FAILED;
  const outcome = outcomeOf(d);
  const status = rollout ? `rollout ${rollout.status}` : `deployment ${d.status}`;
  let summary = `${d.name} (${d.id}): ${status}, ${c.RUNNING} RUNNING, ${failed} FAILED of ${total}`;
  if (rollout?.halted_reason) summary += `; ${rollout.halted_reason}`;
  return {
    total,
    done,
    admitted: rollout ? rollout.admitted : total - c.PENDING,
    inFlight: c.PROVISIONING + c.CONFIGURING,
    failed,
    wave: waveLabel(rollout),
    status,
    outcome,
    summary,
  };
}
