/**
 * Nodes per shard: a shard is one deployment's node numbers (seq) [shard*size+1, (shard+1)*size].
 * Each shard run pays a fixed cost (transaction, deployment lock, queue job, next wake-up), so
 * larger shards admit a big deployment sooner, up to the point where one shard's batch is the
 * bottleneck (BENCHMARKS.md has the comparison).
 */
export const LIFECYCLE_SHARD_SIZE = 2000;

/** Most nodes one transaction moves (a whole shard); bounds lock time and statement size. */
export const ADVANCE_BATCH_SIZE = 2000;

/**
 * Earliest a shard is woken again after a run. Coalesces a shard's many step ends (they fall a
 * few ms apart) into one wake-up, so BullMQ carries a few jobs per shard per second, not one per node.
 */
export const MIN_WAKEUP_GAP_MS = 200;

/** How long one advance job keeps looping over a shard before handing over to a fresh wake-up. */
export const ADVANCE_JOB_BUDGET_MS = 2000;

/**
 * Shards advanced at once by one worker process. A batch is one statement, so this is how many
 * PostgreSQL backends one worker keeps busy; more than a few per core delays the timed steps
 * behind admission bursts (BENCHMARKS.md has the comparison).
 */
export const LIFECYCLE_CONCURRENCY = 4;

/** A shard whose earliest due node is this late without a run is re-armed by the reconciler. */
export const RECONCILE_GRACE_MS = 2000;

/** First key of the per-deployment advisory lock that serialises max_parallel admissions. */
export const ADMISSION_LOCK_CLASS = 0x4e4f4144;
