/** Nodes per collection shard: shard k holds seq k*size+1 .. (k+1)*size of a deployment. */
export const TELEMETRY_SHARD_SIZE = 5000;
/** Shard jobs one worker process writes at once; PostgreSQL does the heavy part. */
export const TELEMETRY_WORKER_CONCURRENCY = 4;
/** A minute is folded once it ended this long ago, so samples of its last tick are in. */
export const PREFIX_FOLD_GRACE_MS = 5_000;
/** Running sums are kept for the current and the two previous hours (windows span <= 61 min). */
export const PREFIX_KEEP_HOURS = 2;

/** The job id of one shard of one tick; BullMQ ids may not contain ':'. */
export function collectShardJobId(deploymentId: number, shard: number, tickAt: number): string {
  return `collect-${deploymentId}-${shard}-${tickAt}`;
}
