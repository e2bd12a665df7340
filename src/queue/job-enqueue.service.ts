import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { WakeUp, wakeUpJobId } from '../lifecycle/lifecycle-shards';
import { JOB_QUEUE, JobName, JobPayload, QueueName } from './jobs';

/** Retry policy for infrastructure errors: exponential backoff, failed jobs kept for a look. */
const BASE_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500, jitter: 0.5 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * The only place that adds jobs (STYLE 6): it owns job ids, delays, attempts and retention.
 * Controllers and services call these methods, never queue.add.
 */
@Injectable()
export class JobEnqueueService {
  private readonly logger = new Logger(JobEnqueueService.name);
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QueueName.LIFECYCLE) lifecycle: Queue,
    @InjectQueue(QueueName.TELEMETRY) telemetry: Queue,
    @InjectQueue(QueueName.MAINTENANCE) maintenance: Queue,
  ) {
    this.queues = {
      [QueueName.LIFECYCLE]: lifecycle,
      [QueueName.TELEMETRY]: telemetry,
      [QueueName.MAINTENANCE]: maintenance,
    };
  }

  queue(name: QueueName): Queue {
    return this.queues[name];
  }

  allQueues(): Queue[] {
    return Object.values(this.queues);
  }

  /** Adds one job; options beyond the base policy (jobId, delay) are decided by the caller methods below. */
  async add<N extends JobName>(name: N, payload: JobPayload<N>, options: JobsOptions = {}) {
    return this.queues[JOB_QUEUE[name]].add(name, payload, { ...BASE_OPTIONS, ...options });
  }

  async addBulk<N extends JobName>(
    name: N,
    jobs: { payload: JobPayload<N>; options?: JobsOptions }[],
  ) {
    if (jobs.length === 0) return [];
    return this.queues[JOB_QUEUE[name]].addBulk(
      jobs.map((job) => ({ name, data: job.payload, opts: { ...BASE_OPTIONS, ...job.options } })),
    );
  }

  /** Registers (or updates) a recurring job; safe at every boot (STYLE 8). */
  async schedule<N extends JobName>(name: N, everyMs: number, payload: JobPayload<N>) {
    return this.queues[JOB_QUEUE[name]].upsertJobScheduler(
      name,
      { every: everyMs },
      {
        name,
        data: payload,
        opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
      },
    );
  }

  /**
   * Best effort for wake-ups whose state already lives in PostgreSQL: if Redis is away the
   * reconciler re-arms them, so a failure here is logged, never surfaced to the caller.
   */
  async addQuietly<N extends JobName>(name: N, payload: JobPayload<N>, options: JobsOptions = {}) {
    let timer: NodeJS.Timeout | undefined;
    try {
      // ioredis queues commands while disconnected; do not hold a request hostage to that.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('Redis did not answer within 2 s')), 2000);
      });
      await Promise.race([this.add(name, payload, options), timeout]);
    } catch (error) {
      this.logger.warn(
        `Could not enqueue ${name} (${(error as Error).message}); the reconciler will re-arm it`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- Lifecycle wake-ups (advance-shard jobs) ----

  /**
   * One delayed advance job per shard and due time (deterministic id, so re-arming is a no-op).
   * Completed wake-ups are removed at once: their id must be free for the next arming.
   */
  async addWakeUps(wakeUps: WakeUp[], requestId?: string): Promise<void> {
    const now = Date.now();
    await this.addBulk(
      JobName.ADVANCE_SHARD,
      wakeUps.map((w) => ({
        payload: {
          deploymentId: w.deploymentId,
          shard: w.shard,
          ...(requestId ? { requestId } : {}),
        },
        options: {
          jobId: wakeUpJobId(w),
          delay: Math.max(0, Math.ceil(w.dueAtMs - now)),
          removeOnComplete: true,
        },
      })),
    );
  }

  /**
   * Like addWakeUps, but first clears a wake-up with the same id that already failed for good
   * (its id would otherwise swallow the new one); for the reconciler's overdue shards.
   */
  async rearmWakeUps(wakeUps: WakeUp[]): Promise<void> {
    const queue = this.queues[QueueName.LIFECYCLE];
    for (const w of wakeUps) {
      const job = await queue.getJob(wakeUpJobId(w));
      if (job && (await job.isFailed())) await job.remove();
    }
    await this.addWakeUps(wakeUps);
  }

  /** Drops the deployment's wake-ups that have not started; a running one finds nothing. */
  async removeWakeUps(deploymentId: number): Promise<number> {
    const queue = this.queues[QueueName.LIFECYCLE];
    const page = 500;
    const doomed = [];
    // Pending wake-ups number about one per shard, so this list stays short.
    for (let start = 0; ; start += page) {
      const jobs = await queue.getJobs(
        ['delayed', 'waiting', 'prioritized'],
        start,
        start + page - 1,
      );
      for (const job of jobs) {
        const data = job?.data as Partial<JobPayload<JobName.ADVANCE_SHARD>> | undefined;
        if (job?.name === JobName.ADVANCE_SHARD && data?.deploymentId === deploymentId) {
          doomed.push(job);
        }
      }
      if (jobs.length < page) break;
    }
    let removed = 0;
    for (const job of doomed) {
      // A job that started meanwhile cannot be removed; it will find the rows gone.
      await job.remove().then(
        () => removed++,
        () => undefined,
      );
    }
    return removed;
  }
}
