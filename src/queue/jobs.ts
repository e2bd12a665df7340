import type { JobsOptions } from 'bullmq';
import type { FeatureConfig } from '../config/config-slices';
import { HOUR_MS } from '../domain/time';
import { isId, NO_PAYLOAD, payload, Payload, ShardRef, shardRefProblem } from './job-payload';

export type { ShardRef } from './job-payload';

/** Every queue of the service. */
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

/** Retry policy for infrastructure errors: exponential backoff, failed jobs kept for a look. */
const RETRIED: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500, jitter: 0.5 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * Each iteration of a recurring job: one that meets a passing fault (a PostgreSQL or Redis blip)
 * is retried a few times within its period instead of staying failed.
 */
const RECURRING: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { count: 100 },
  removeOnFail: { count: 100 },
};

/** The lifecycle reconciler's period. */
export const RECONCILE_EVERY_MS = 5000;
/** Partition upkeep period; partitions exist three days ahead, so hourly is ample. */
export const PARTITION_MAINTENANCE_EVERY_MS = HOUR_MS;
/** Running-sum fold period: a minute is folded within about this long after it has passed. */
export const PREFIX_FOLD_EVERY_MS = 10_000;
/** How often each worker's alert retention job looks whether a prune is due (a cheap row lock). */
export const ALERT_RETENTION_CHECK_MS = 20_000;

/**
 * Telemetry shard jobs retry briefly: a sample is only worth writing near its tick. Completed
 * ones are kept long enough for the next tick to see them finished; the PostgreSQL marker, not
 * the job id, is what stops a second write.
 */
const COLLECT_SHARD_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 200, jitter: 0.5 },
  removeOnComplete: { age: 600, count: 5000 },
  removeOnFail: { age: 24 * 3600, count: 1000 },
};

/** Event retention runs this often; each run deletes a bounded number of batches. */
export const EVENT_PRUNE_EVERY_MS = 15 * 60_000;
/** How often every running rollout is looked at again, whatever happened to its checks. */
export const RECONCILE_ROLLOUTS_EVERY_MS = 5000;

/** What the service knows of one job. */
export interface JobSpec<P = unknown> {
  /** The queue that carries it; a processor registers a handler for every job of its queue. */
  readonly queue: QueueName;
  /** Its payload's type, and the check a worker runs on a payload before the handler. */
  readonly payload: Payload<P>;
  /** Its options when added (callers add a job id or a delay), or of each recurring iteration. */
  readonly options: JobsOptions;
  /** Recurring jobs: the period, constant or read from the configuration. */
  readonly every?: number | ((config: FeatureConfig<'queue'>) => number);
}

/**
 * Every job, declared once: its queue, payload, options and, for recurring jobs, the period
 * every worker keeps scheduled. Adding a job is a name in JobName and a row here.
 */
export const JOBS = {
  [JobName.ADVANCE_SHARD]: {
    queue: QueueName.LIFECYCLE,
    payload: payload<ShardRef & { requestId?: string }>(
      (d) =>
        shardRefProblem(d) ??
        (d.requestId === undefined || (typeof d.requestId === 'string' && d.requestId.length <= 128)
          ? null
          : 'requestId must be a string of at most 128 characters'),
    ),
    // A wake-up is removed once done: its id must be free for the next arming.
    options: { ...RETRIED, removeOnComplete: true },
  },
  [JobName.RECONCILE_LIFECYCLE]: {
    queue: QueueName.LIFECYCLE,
    payload: NO_PAYLOAD,
    options: RECURRING,
    every: RECONCILE_EVERY_MS,
  },
  [JobName.TELEMETRY_TICK]: {
    queue: QueueName.TELEMETRY,
    payload: NO_PAYLOAD,
    options: RECURRING,
    every: (config) => config.telemetryIntervalMs,
  },
  [JobName.COLLECT_TELEMETRY_SHARD]: {
    queue: QueueName.TELEMETRY,
    payload: payload<ShardRef & { tickAt: number }>(
      (d) => shardRefProblem(d) ?? (isId(d.tickAt, 0) ? null : 'tickAt must be epoch milliseconds'),
    ),
    options: COLLECT_SHARD_JOB_OPTIONS,
  },
  [JobName.MAINTAIN_PARTITIONS]: {
    queue: QueueName.MAINTENANCE,
    payload: NO_PAYLOAD,
    options: RECURRING,
    every: PARTITION_MAINTENANCE_EVERY_MS,
  },
  [JobName.FOLD_PREFIX_SUMS]: {
    queue: QueueName.MAINTENANCE,
    payload: NO_PAYLOAD,
    options: RECURRING,
    every: PREFIX_FOLD_EVERY_MS,
  },
  [JobName.CHECK_ROLLOUT]: {
    queue: QueueName.ROLLOUTS,
    payload: payload<{ deploymentId: number }>((d) =>
      isId(d.deploymentId, 1) ? null : 'deploymentId must be a positive integer',
    ),
    // Its job id is its coalescing slot (rolloutCheckOptions), free again once done.
    options: { ...RETRIED, removeOnComplete: true },
  },
  [JobName.RECONCILE_ROLLOUTS]: {
    queue: QueueName.ROLLOUTS,
    payload: NO_PAYLOAD,
    options: RECURRING,
    every: RECONCILE_ROLLOUTS_EVERY_MS,
  },
  [JobName.EVALUATE_ALERTS]: {
    queue: QueueName.ALERTING,
    payload: NO_PAYLOAD,
    options: RECURRING,
    every: (config) => config.alertEvalIntervalMs,
  },
  [JobName.DELIVER_NOTIFICATION]: {
    queue: QueueName.ALERTING,
    payload: payload<{ deliveryId: string }>((d) =>
      typeof d.deliveryId === 'string' &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(d.deliveryId)
        ? null
        : 'deliveryId must be a uuid',
    ),
    // The notifier adds each delivery with its own attempts and custom `delivery` backoff.
    options: RETRIED,
  },
  [JobName.RUN_ALERT_OUTBOX]: {
    queue: QueueName.ALERTING,
    payload: NO_PAYLOAD,
    options: RECURRING,
    // As often as the evaluation, so deployment events go out as promptly as alerts.
    every: (config) => config.alertEvalIntervalMs,
  },
  [JobName.PRUNE_ALERTS]: {
    queue: QueueName.ALERTING,
    payload: NO_PAYLOAD,
    options: RECURRING,
    every: ALERT_RETENTION_CHECK_MS,
  },
  [JobName.PRUNE_EVENTS]: {
    queue: QueueName.MAINTENANCE,
    payload: NO_PAYLOAD,
    options: RECURRING,
    every: EVENT_PRUNE_EVERY_MS,
  },
} as const satisfies { [N in JobName]: JobSpec };

type Jobs = typeof JOBS;

export type JobPayload<N extends JobName> = Jobs[N]['payload'] extends Payload<infer P> ? P : never;

/** Which queue carries each job. */
export const JOB_QUEUE = Object.fromEntries(
  Object.entries(JOBS).map(([name, job]) => [name, job.queue]),
) as { readonly [N in JobName]: Jobs[N]['queue'] };

/** The job names a queue carries. */
export type JobsOn<Q extends QueueName> = {
  [N in JobName]: (typeof JOB_QUEUE)[N] extends Q ? N : never;
}[JobName];

/** The options a job is added with, before the caller's job id or delay. */
export function jobOptions(name: JobName): JobsOptions {
  return JOBS[name].options;
}

/** A recurring job and its period. */
export interface RecurringJob {
  name: JobName;
  everyMs: number;
}

/** Every recurring job with its period under this configuration, in declaration order. */
export function recurringJobs(config: FeatureConfig<'queue'>): RecurringJob[] {
  return (Object.entries(JOBS) as [JobName, JobSpec][]).flatMap(([name, job]) =>
    job.every === undefined
      ? []
      : [{ name, everyMs: typeof job.every === 'number' ? job.every : job.every(config) }],
  );
}

/**
 * What every job's payload must hold, checked where a worker takes the job: a payload that does
 * not fit fails at once (no retries) and names what is wrong, instead of reaching SQL.
 */
export function payloadProblem(name: JobName, data: unknown): string | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return 'the payload must be an object';
  }
  return JOBS[name].payload.check(data as Record<string, unknown>);
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
