import { Job, JobType, Queue } from 'bullmq';
import Redis from 'ioredis';
import { pollUntil } from './poll';

/**
 * The failed jobs of one of this run's queues, as `name id: reason` lines, so an assertion that
 * expects none prints what failed and why instead of a bare count.
 */
export async function failedJobs(
  queue: string,
  prefix = process.env.QUEUE_PREFIX,
): Promise<string[]> {
  const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    maxRetriesPerRequest: null,
  });
  const q = new Queue(queue, {
    connection,
    prefix,
  });
  try {
    const jobs = await q.getFailed(0, 99);
    return jobs
      .filter((job) => job !== undefined)
      .map(
        (job) =>
          `${job.name} ${job.id} (attempt ${job.attemptsMade}): ${job.failedReason}` +
          (job.stacktrace?.length ? `\n  ${job.stacktrace[job.stacktrace.length - 1]}` : ''),
      );
  } finally {
    await q.close();
    connection.disconnect();
  }
}

/** Deletes every Redis key under a queue prefix of a test run; how many keys went. */
export async function deleteQueuePrefix(prefix: string | undefined): Promise<number> {
  if (!prefix || !prefix.startsWith('netorch_test_')) {
    throw new Error(`refusing to delete keys of queue prefix ${prefix}`);
  }
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** Deletes every key of this run's queue prefix, as if Redis had lost its data. */
export function deleteQueueKeys(): Promise<number> {
  return deleteQueuePrefix(process.env.QUEUE_PREFIX);
}

/** The jobs of one of this run's queues in the given states. */
export async function queueJobs(
  queue: string,
  states: JobType[],
  prefix = process.env.QUEUE_PREFIX,
): Promise<Job[]> {
  const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    maxRetriesPerRequest: null,
  });
  const q = new Queue(queue, { connection, prefix });
  try {
    return (await q.getJobs(states)).filter((job) => job !== undefined);
  } finally {
    await q.close();
    connection.disconnect();
  }
}

/** The jobs of one of this run's queues still to run or running. */
export function pendingJobs(queue: string, prefix = process.env.QUEUE_PREFIX): Promise<Job[]> {
  return queueJobs(
    queue,
    ['waiting', 'delayed', 'prioritized', 'waiting-children', 'active'],
    prefix,
  );
}

/**
 * Waits until `count` runs of a recurring job (an alert evaluation, a telemetry tick) that began
 * after this call have finished: the span in which whatever those runs would do has happened.
 */
export async function recurringRuns(
  queue: string,
  name: string,
  count: number,
  { prefix = process.env.QUEUE_PREFIX, timeoutMs = 60_000 } = {},
): Promise<void> {
  const since = Date.now();
  await pollUntil(
    async () =>
      (await queueJobs(queue, ['completed'], prefix)).filter(
        (job) => job.name === name && (job.processedOn ?? 0) >= since,
      ).length,
    `${count} runs of ${name} begun after ${new Date(since).toISOString()}`,
    { timeoutMs, until: (runs) => runs >= count },
  );
}
