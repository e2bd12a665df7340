import type { JobsOptions } from 'bullmq';
import { HOUR_MS } from '../domain/time';

/** Nodes per collection shard: shard k holds seq k*size+1 .. (k+1)*size of a deployment. */
export const TELEMETRY_SHARD_SIZE = 5000;
/** Shard jobs one worker process writes at once; PostgreSQL does the heavy part. */
export const TELEMETRY_WORKER_CONCURRENCY = 4;
/** Partition upkeep period; partitions exist three days ahead, so hourly is ample. */
export const PARTITION_MAINTENANCE_EVERY_MS = HOUR_MS;
/** Running-sum fold period: a minute is folded within about this long after it has passed. */
export const PREFIX_FOLD_EVERY_MS = 10_000;
/** A minute is folded once it ended this long ago, so samples of its last tick are in. */
export const PREFIX_FOLD_GRACE_MS = 5_000;
/** Running sums are kept for the current and the two previous hours (windows span <= 61 min). */
export const PREFIX_KEEP_HOURS = 2;

/**
 * Shard jobs retry briefly: a sample is only worth writing near its tick. Completed ones are
 * kept long enough for the next tick to see them finished; the PostgreSQL marker, not the job
 * id, is what stops a second write.
 */
export const COLLECT_SHARD_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 200, jitter: 0.5 },
  removeOnComplete: { age: 600, count: 5000 },
  removeOnFail: { age: 24 * 3600, count: 1000 },
};

/** The job id of one shard of one tick; BullMQ ids may not contain ':'. */
export function collectShardJobId(deploymentId: number, shard: number, tickAt: number): string {
  return `collect-${deploymentId}-${shard}-${tickAt}`;
}
