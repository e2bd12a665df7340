/** Every queue, job and payload of the service in one place. */
export enum QueueName {
  LIFECYCLE = 'lifecycle',
  TELEMETRY = 'telemetry',
  MAINTENANCE = 'maintenance',
  ROLLOUTS = 'rollouts',
  ALERTING = 'alerting',
}

export enum JobName {
  /** Advance every due node of one shard (deployment x node-number range). */
  ADVANCE_SHARD = 'advance-shard',
  /** Re-arm wake-ups for shards with due nodes; recurring. */
  RECONCILE_LIFECYCLE = 'reconcile-lifecycle',
  /** One telemetry collection period; fans out into shard jobs. Recurring. */
  TELEMETRY_TICK = 'telemetry-tick',
  /** Generate and store one sample per RUNNING node of one shard for one tick. */
  COLLECT_TELEMETRY_SHARD = 'collect-telemetry-shard',
  /** Create telemetry partitions ahead and drop expired ones. Recurring. */
  MAINTAIN_PARTITIONS = 'maintain-partitions',
  /** Fold the minutes that have passed into the per-node hourly running sums. Recurring. */
  FOLD_PREFIX_SUMS = 'fold-prefix-sums',
  /** Look at one deployment's rollout: end a wave, halt, start the next wave. */
  CHECK_ROLLOUT = 'check-rollout',
  /** Check every running rollout again, so a lost check never stalls one. Recurring. */
  RECONCILE_ROLLOUTS = 'reconcile-rollouts',
  /** Evaluate every enabled alert rule once for the current interval. Recurring. */
  EVALUATE_ALERTS = 'evaluate-alerts',
  /** Send one notification (a delivery row) to its receiver; retried with backoff. */
  DELIVER_NOTIFICATION = 'deliver-notification',
  /** Turn deployment status changes and events into deliveries; requeue lost ones. Recurring. */
  RUN_ALERT_OUTBOX = 'run-alert-outbox',
  /** Delete resolved alerts and delivery records older than ALERT_RETENTION_DAYS. Recurring. */
  PRUNE_ALERTS = 'prune-alerts',
  /** Delete audit events older than EVENT_RETENTION_DAYS, in bounded batches. Recurring. */
  PRUNE_EVENTS = 'prune-events',
}

export interface ShardRef {
  deploymentId: number;
  /** Shard number: nodes with seq in [shard*size+1, (shard+1)*size]. */
  shard: number;
}

export interface JobPayloads {
  [JobName.ADVANCE_SHARD]: ShardRef & { requestId?: string };
  [JobName.RECONCILE_LIFECYCLE]: Record<string, never>;
  [JobName.TELEMETRY_TICK]: Record<string, never>;
  [JobName.COLLECT_TELEMETRY_SHARD]: ShardRef & { tickAt: number };
  [JobName.MAINTAIN_PARTITIONS]: Record<string, never>;
  [JobName.FOLD_PREFIX_SUMS]: Record<string, never>;
  [JobName.CHECK_ROLLOUT]: { deploymentId: number };
  [JobName.RECONCILE_ROLLOUTS]: Record<string, never>;
  [JobName.EVALUATE_ALERTS]: Record<string, never>;
  [JobName.DELIVER_NOTIFICATION]: { deliveryId: string };
  [JobName.RUN_ALERT_OUTBOX]: Record<string, never>;
  [JobName.PRUNE_ALERTS]: Record<string, never>;
  [JobName.PRUNE_EVENTS]: Record<string, never>;
}

export type JobPayload<N extends JobName> = JobPayloads[N];

/** Which queue carries each job; a processor registers a handler for every name of its queue. */
export const JOB_QUEUE = {
  [JobName.ADVANCE_SHARD]: QueueName.LIFECYCLE,
  [JobName.RECONCILE_LIFECYCLE]: QueueName.LIFECYCLE,
  [JobName.TELEMETRY_TICK]: QueueName.TELEMETRY,
  [JobName.COLLECT_TELEMETRY_SHARD]: QueueName.TELEMETRY,
  [JobName.MAINTAIN_PARTITIONS]: QueueName.MAINTENANCE,
  [JobName.FOLD_PREFIX_SUMS]: QueueName.MAINTENANCE,
  [JobName.CHECK_ROLLOUT]: QueueName.ROLLOUTS,
  [JobName.RECONCILE_ROLLOUTS]: QueueName.ROLLOUTS,
  [JobName.EVALUATE_ALERTS]: QueueName.ALERTING,
  [JobName.DELIVER_NOTIFICATION]: QueueName.ALERTING,
  [JobName.RUN_ALERT_OUTBOX]: QueueName.ALERTING,
  [JobName.PRUNE_ALERTS]: QueueName.ALERTING,
  [JobName.PRUNE_EVENTS]: QueueName.MAINTENANCE,
} as const satisfies Record<JobName, QueueName>;

/** The job names a queue carries. */
export type JobsOn<Q extends QueueName> = {
  [N in JobName]: (typeof JOB_QUEUE)[N] extends Q ? N : never;
}[JobName];

const isId = (value: unknown, min: number) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

type Check = (data: Record<string, unknown>) => string | null;

const shardRef: Check = (d) =>
  !isId(d.deploymentId, 1)
    ? 'deploymentId must be a positive integer'
    : !isId(d.shard, 0)
      ? 'shard must be an integer >= 0'
      : null;

const empty: Check = () => null;

/**
 * What every job's payload must hold, checked where a worker takes the job: a payload that does
 * not fit fails at once (no retries) and names what is wrong, instead of reaching SQL.
 */
export const JOB_PAYLOAD_CHECKS: Record<JobName, Check> = {
  [JobName.ADVANCE_SHARD]: (d) =>
    shardRef(d) ??
    (d.requestId === undefined || (typeof d.requestId === 'string' && d.requestId.length <= 128)
      ? null
      : 'requestId must be a string of at most 128 characters'),
  [JobName.RECONCILE_LIFECYCLE]: empty,
  [JobName.TELEMETRY_TICK]: empty,
  [JobName.COLLECT_TELEMETRY_SHARD]: (d) =>
    shardRef(d) ?? (isId(d.tickAt, 0) ? null : 'tickAt must be epoch milliseconds'),
  [JobName.MAINTAIN_PARTITIONS]: empty,
  [JobName.FOLD_PREFIX_SUMS]: empty,
  [JobName.CHECK_ROLLOUT]: (d) =>
    isId(d.deploymentId, 1) ? null : 'deploymentId must be a positive integer',
  [JobName.RECONCILE_ROLLOUTS]: empty,
  [JobName.EVALUATE_ALERTS]: empty,
  [JobName.DELIVER_NOTIFICATION]: (d) =>
    typeof d.deliveryId === 'string' &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(d.deliveryId)
      ? null
      : 'deliveryId must be a uuid',
  [JobName.RUN_ALERT_OUTBOX]: empty,
  [JobName.PRUNE_ALERTS]: empty,
  [JobName.PRUNE_EVENTS]: empty,
};

/** Why a payload does not fit its job, or null when it does. */
export function payloadProblem(name: JobName, data: unknown): string | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return 'the payload must be an object';
  }
  return JOB_PAYLOAD_CHECKS[name](data as Record<string, unknown>);
}

/** Checks of one deployment's rollout closer together than this share one job. */
export const ROLLOUT_CHECK_COALESCE_MS = 100;

/**
 * The job options of a rollout check due at `atMs`: checks asked for within one 100 ms slot are
 * one job, which runs only once its slot is over. Every request that joined the job was made
 * after the commit it wants looked at, and before the slot ended, so the check sees that commit.
 * A check that ran while its slot was still open could read the wave before a batch committed
 * its last node and swallow that batch's request (same job id), leaving the wave's end to the
 * reconciler seconds later.
 */
export function rolloutCheckOptions(
  deploymentId: number,
  atMs: number,
  nowMs: number = Date.now(),
): { jobId: string; delay: number; removeOnComplete: true } {
  const slot = Math.floor(atMs / ROLLOUT_CHECK_COALESCE_MS);
  return {
    jobId: `check-${deploymentId}-${slot}`,
    delay: Math.max(0, (slot + 1) * ROLLOUT_CHECK_COALESCE_MS - nowMs),
    removeOnComplete: true,
  };
}
