/** Every queue, job and payload of the service in one place (STYLE 4). */
export enum QueueName {
  LIFECYCLE = 'lifecycle',
  TELEMETRY = 'telemetry',
  MAINTENANCE = 'maintenance',
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
}

export type JobPayload<N extends JobName> = JobPayloads[N];

/** Which queue carries each job; a processor registers for exactly the names of its queue. */
export const JOB_QUEUE: Record<JobName, QueueName> = {
  [JobName.ADVANCE_SHARD]: QueueName.LIFECYCLE,
  [JobName.RECONCILE_LIFECYCLE]: QueueName.LIFECYCLE,
  [JobName.TELEMETRY_TICK]: QueueName.TELEMETRY,
  [JobName.COLLECT_TELEMETRY_SHARD]: QueueName.TELEMETRY,
  [JobName.MAINTAIN_PARTITIONS]: QueueName.MAINTENANCE,
  [JobName.FOLD_PREFIX_SUMS]: QueueName.MAINTENANCE,
};
