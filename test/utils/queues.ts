import { Queue } from 'bullmq';
import Redis from 'ioredis';

/**
 * The failed jobs of one of this run's queues, as `name id: reason` lines, so an assertion that
 * expects none prints what failed and why instead of a bare count.
 */
export async function failedJobs(queue: string): Promise<string[]> {
  const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    maxRetriesPerRequest: null,
  });
  const q = new Queue(queue, {
    connection,
    prefix: process.env.QUEUE_PREFIX,
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
