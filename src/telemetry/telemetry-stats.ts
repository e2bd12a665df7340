import type { Queue } from 'bullmq';
import type Redis from 'ioredis';

/**
 * Collection bookkeeping kept in Redis next to the telemetry queue (under the queue prefix), so
 * every worker updates it and the API process reads it for GET /health.
 */
export interface TelemetryStats {
  /** Ticks that fanned out into shard jobs. */
  ticks: number;
  /** Ticks that found the previous tick's shards unfinished and did nothing. */
  skipped_ticks: number;
  /** The last tick that fanned out (ISO 8601), null before the first. */
  last_tick_at: string | null;
  last_tick_shards: number;
  /** RUNNING nodes the last tick collected from. */
  last_tick_nodes: number;
  /** The last tick whose every shard is stored (ISO 8601), null before the first. */
  last_completed_tick_at: string | null;
  /** From that tick's scheduled time to its last shard stored; null before one. */
  last_tick_duration_ms: number | null;
  /** Samples stored by collection since the counters began. */
  samples_collected: number;
  /** Shard collections whose source could not be read (Prometheus unreachable or failing). */
  failed_source_ticks: number;
  /** The last of them: when, which deployment and source, why (no secret in it); null before one. */
  last_source_failure: { at: string; deployment_id: number; source: string; error: string } | null;
  /** Series a Prometheus source returned that matched no node of the deployment. */
  unmatched_series: number;
}

const TICK_TTL_S = 3600;

/** The queue's own connection: the bookkeeping lives and fails with the queue. */
async function redis(queue: Queue): Promise<Redis> {
  // The service connects BullMQ through ioredis (queue.module.ts).
  return (await queue.backend.client) as unknown as Redis;
}

export function statsKey(queue: Queue): string {
  return `${queue.opts.prefix ?? 'bull'}:${queue.name}:netorch-stats`;
}

export function tickKey(queue: Queue, tickAt: number): string {
  return `${queue.opts.prefix ?? 'bull'}:${queue.name}:netorch-tick:${tickAt}`;
}

export async function readTelemetryStats(queue: Queue): Promise<TelemetryStats> {
  const client = await redis(queue);
  const raw = await client.hgetall(statsKey(queue));
  const num = (field: string) => Number(raw[field] ?? 0);
  return {
    ticks: num('ticks'),
    skipped_ticks: num('skipped_ticks'),
    last_tick_at: raw.last_tick_at ? new Date(Number(raw.last_tick_at)).toISOString() : null,
    last_tick_shards: num('last_tick_shards'),
    last_tick_nodes: num('last_tick_nodes'),
    last_completed_tick_at: raw.last_completed_tick_at
      ? new Date(Number(raw.last_completed_tick_at)).toISOString()
      : null,
    last_tick_duration_ms:
      raw.last_tick_duration_ms !== undefined ? Number(raw.last_tick_duration_ms) : null,
    samples_collected: num('samples_collected'),
    failed_source_ticks: num('failed_source_ticks'),
    last_source_failure: raw.last_source_failure
      ? (JSON.parse(raw.last_source_failure) as TelemetryStats['last_source_failure'])
      : null,
    unmatched_series: num('unmatched_series'),
  };
}

/** The last tick that fanned out and its shard jobs still counted as outstanding. */
export async function previousTick(
  queue: Queue,
): Promise<{ tickAt: number; remaining: number; jobIds: string[] } | null> {
  const client = await redis(queue);
  const last = await client.hget(statsKey(queue), 'last_tick_at');
  if (!last) return null;
  const tick = await client.hmget(tickKey(queue, Number(last)), 'remaining', 'job_ids');
  return {
    tickAt: Number(last),
    remaining: Number(tick[0] ?? 0),
    jobIds: tick[1] ? (JSON.parse(tick[1]) as string[]) : [],
  };
}

export async function recordSkip(queue: Queue): Promise<void> {
  const client = await redis(queue);
  await client.hincrby(statsKey(queue), 'skipped_ticks', 1);
}

export async function recordFanOut(
  queue: Queue,
  tickAt: number,
  jobIds: string[],
  nodes: number,
): Promise<void> {
  const client = await redis(queue);
  const key = tickKey(queue, tickAt);
  const multi = client
    .multi()
    .hset(key, { remaining: jobIds.length, job_ids: JSON.stringify(jobIds) })
    .expire(key, TICK_TTL_S)
    .hset(statsKey(queue), {
      last_tick_at: tickAt,
      last_tick_shards: jobIds.length,
      last_tick_nodes: nodes,
    })
    .hincrby(statsKey(queue), 'ticks', 1);
  if (jobIds.length === 0) {
    multi.hset(statsKey(queue), { last_tick_duration_ms: 0, last_completed_tick_at: tickAt });
  }
  await multi.exec();
}

/** Counts a stored shard; the tick's last shard records how long the whole tick took. */
export async function recordShardDone(
  queue: Queue,
  tickAt: number,
  samples: number,
): Promise<void> {
  const client = await redis(queue);
  const key = tickKey(queue, tickAt);
  const result = await client
    .multi()
    .hincrby(key, 'remaining', -1)
    .expire(key, TICK_TTL_S)
    .hincrby(statsKey(queue), 'samples_collected', samples)
    .exec();
  const remaining = Number(result?.[0]?.[1]);
  if (remaining === 0) {
    await client.hset(statsKey(queue), {
      last_tick_duration_ms: Date.now() - tickAt,
      last_completed_tick_at: tickAt,
    });
  }
}

/** Counts a shard collection whose source failed, and keeps why for GET /health. */
export async function recordSourceFailure(
  queue: Queue,
  failure: { at: number; deploymentId: number; source: string; error: string },
): Promise<void> {
  const client = await redis(queue);
  await client
    .multi()
    .hincrby(statsKey(queue), 'failed_source_ticks', 1)
    .hset(statsKey(queue), {
      last_source_failure: JSON.stringify({
        at: new Date(failure.at).toISOString(),
        deployment_id: failure.deploymentId,
        source: failure.source,
        error: failure.error,
      }),
    })
    .exec();
}

/** Counts series a source returned that matched no node. */
export async function recordUnmatchedSeries(queue: Queue, series: number): Promise<void> {
  if (series === 0) return;
  const client = await redis(queue);
  await client.hincrby(statsKey(queue), 'unmatched_series', series);
}
