import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { JOB_QUEUE, jobOptions, JobName, JobPayload, QueueName } from './jobs';

/**
 * The only place that adds jobs: each with its declared options (JOBS), bulk adds and recurring
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
    @InjectQueue(QueueName.DRIVERS) drivers: Queue,
    @InjectQueue(QueueName.DELIVERIES) deliveries: Queue,
  ) {
    this.queues = {
      [QueueName.LIFECYCLE]: lifecycle,
      [QueueName.TELEMETRY]: telemetry,
      [QueueName.MAINTENANCE]: maintenance,
      [QueueName.ROLLOUTS]: rollouts,
      [QueueName.ALERTING]: alerting,
      [QueueName.DRIVERS]: drivers,
      [QueueName.DELIVERIES]: deliveries,
    };
  }

  queue(name: QueueName): Queue {
    return this.queues[name];
  }

  allQueues(): Queue[] {
    return Object.values(this.queues);
  }

  /** Adds one job; options beyond its declared ones (jobId, delay) are the caller's. */
  async add<N extends JobName>(name: N, payload: JobPayload<N>, options: JobsOptions = {}) {
    return this.queues[JOB_QUEUE[name]].add(name, payload, { ...jobOptions(name), ...options });
  }

  async addBulk<N extends JobName>(
    name: N,
    jobs: { payload: JobPayload<N>; options?: JobsOptions }[],
  ) {
    if (jobs.length === 0) return [];
    return this.queues[JOB_QUEUE[name]].addBulk(
      jobs.map((job) => ({
        name,
        data: job.payload,
        opts: { ...jobOptions(name), ...job.options },
      })),
    );
  }

  /** Registers (or updates) a recurring job with its declared options; safe at every boot. */
  async schedule<N extends JobName>(name: N, everyMs: number, payload: JobPayload<N>) {
    return this.queues[JOB_QUEUE[name]].upsertJobScheduler(
      name,
      { every: everyMs },
      { name, data: payload, opts: jobOptions(name) },
    );
  }
}
