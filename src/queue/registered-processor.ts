import { WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown } from '@nestjs/common';
import { Job } from 'bullmq';
import { JobRegistry } from './job-registry';
import { QueueName } from './jobs';

/**
 * A BullMQ processor whose jobs run through the registry. It stops taking jobs and lets the
 * ones in hand finish before Nest closes the queues' Redis connections and the database pool
 * (all of those close in onApplicationShutdown, side by side): a job cut off there would fail
 * with "Connection is closed", and a recurring job, which has few attempts, would stay failed.
 */
export abstract class RegisteredProcessor extends WorkerHost implements BeforeApplicationShutdown {
  protected constructor(
    protected readonly registry: JobRegistry,
    private readonly queueName: QueueName,
  ) {
    super();
  }

  process(job: Job): Promise<unknown> {
    return this.registry.dispatch(this.queueName, job);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }
}
