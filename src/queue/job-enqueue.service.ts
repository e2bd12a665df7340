import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { JOB_QUEUE, JobName, JobPayload, QueueName } from './jobs';

/** Retry policy for infrastructure errors: exponential backoff, failed jobs kept for a look. */
const BASE_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500, jitter: 0.5 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * The only place that adds jobs: the base retry and retention policy, bulk adds and recurring
 * schedules. Features decide job ids and delays (the lifecycle's wake-ups, the collector's
 * shards) and call these methods, never queue.add.
 */
@Injectable()
export class JobEnqueueService {
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QueueName.LIFECYCLE) lifecycle: Queue,
    @InjectQueue(QueueName.TELEMETRY) telemetry: Queue,
    @InjectQueue(QueueName.MAINTENANCE) maintenance: Queue,
    @InjectQueue(QueueName.ROLLOUTS) rollouts: Queue,
    @InjectQueue(QueueName.ALERTING) alerting: Queue,
  ) {
    this.queues = {
      [QueueName.LIFECYCLE]: lifecycle,
      [QueueName.TELEMETRY]: telemetry,
      [QueueName.MAINTENANCE]: maintenance,
      [QueueName.ROLLOUTS]: rollouts,
      [QueueName.ALERTING]: alerting,
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

  /**
   * Registers (or updates) a recurring job; safe at every boot. An iteration that meets a
   * passing fault (a PostgreSQL or Redis blip) is retried a few times within its period
   * instead of staying failed.
   */
  async schedule<N extends JobName>(name: N, everyMs: number, payload: JobPayload<N>) {
    return this.queues[JOB_QUEUE[name]].upsertJobScheduler(
      name,
      { every: everyMs },
      {
        name,
        data: payload,
        opts: {
          attempts: 3,
          backoff: { type: 'exponential', delay: 500 },
          removeOnComplete: { count: 100 },
          removeOnFail: { count: 100 },
        },
      },
    );
  }
}
