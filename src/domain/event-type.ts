/** Every kind of row in the audit trail. */
export enum EventType {
  DEPLOYMENT_CREATED = 'DEPLOYMENT_CREATED',
  DEPLOYMENT_UPDATED = 'DEPLOYMENT_UPDATED',
  DEPLOYMENT_RETRIED = 'DEPLOYMENT_RETRIED',
  /** Written by the delete itself; the deployment's events outlive it. */
  DEPLOYMENT_DELETED = 'DEPLOYMENT_DELETED',
  NODES_ADDED = 'NODES_ADDED',
  NODE_UPDATED = 'NODE_UPDATED',
  NODE_DELETED = 'NODE_DELETED',
  NODE_RETRIED = 'NODE_RETRIED',
  STATE_CHANGE = 'STATE_CHANGE',
  ROLLOUT_WAVE_STARTED = 'ROLLOUT_WAVE_STARTED',
  ROLLOUT_WAVE_COMPLETED = 'ROLLOUT_WAVE_COMPLETED',
  ROLLOUT_PAUSED = 'ROLLOUT_PAUSED',
  ROLLOUT_RESUMED = 'ROLLOUT_RESUMED',
  ROLLOUT_HALTED = 'ROLLOUT_HALTED',
  ROLLOUT_ABORTED = 'ROLLOUT_ABORTED',
  ROLLOUT_COMPLETED = 'ROLLOUT_COMPLETED',
  /** An alert of a rule on a node started firing (written by the alert evaluation). */
  ALERT_FIRING = 'ALERT_FIRING',
  /** A firing alert resolved: the node recovered, or its rule, node or deployment went away. */
  ALERT_RESOLVED = 'ALERT_RESOLVED',
  /** The deployment's status entered degraded (written by the alert evaluation job). */
  DEPLOYMENT_DEGRADED = 'DEPLOYMENT_DEGRADED',
  /** The deployment's status entered failed (written by the alert evaluation job). */
  DEPLOYMENT_FAILED = 'DEPLOYMENT_FAILED',
  /** A polled node stopped answering its telemetry source (written once per change). */
  NODE_UNREACHABLE = 'NODE_UNREACHABLE',
  /** A node that was unreachable answers its telemetry source again. */
  NODE_REACHABLE = 'NODE_REACHABLE',
}
