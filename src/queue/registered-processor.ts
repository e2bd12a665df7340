import { WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Logger } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import { runWithLogContext } from '../observability/log-context';
import { workerMetrics } from '../observability/worker-metrics';
import { JobRegistry } from './job-registry';
import { QueueName } from './jobs';

/** Whether a failed attempt was the job's last: no retry follows. */
function finalAttempt(job: Job, error: unknown): boolean {
  return error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/**
 * A BullMQ processor whose jobs run through the registry. It stops taking jobs and lets the
 * ones in hand finish before Nest closes the queues' Redis connections and the database pool
 * (all of those close in onApplicationShutdown, side by side): a job cut off there would fail
 * with "Connection is closed", and a recurring job, which has few attempts, would stay failed.
 *
 * Every job runs in a log context (queue, job_name, job_id, and the request_id of the request
 * that enqueued it when the payload names one), so each line it writes says which job wrote it;
 * its run time and failures are counted in the process's worker metrics.
 */
export abstract class RegisteredProcessor extends WorkerHost implements BeforeApplicationShutdown {
  private readonly jobLogger = new Logger(RegisteredProcessor.name);

  protected constructor(
    protected readonly registry: JobRegistry,
    private readonly queueName: QueueName,
  ) {
    super();
  }

  process(job: Job): Promise<unknown> {
    const requestId = (job.data as { requestId?: unknown } | undefined)?.requestId;
    return runWithLogContext(
      {
        queue: this.queueName,
        job_name: job.name,
        job_id: job.id,
        ...(typeof requestId === 'string' ? { request_id: requestId } : {}),
      },
      () => this.run(job),
    );
  }

  private async run(job: Job): Promise<unknown> {
    const labels = { queue: this.queueName, name: job.name };
    const started = performance.now();
    try {
      const result = await this.registry.dispatch(this.queueName, job);
      workerMetrics.jobDuration.observe(
        { ...labels, outcome: 'completed' },
        (performance.now() - started) / 1000,
      );
      return result;
    } catch (error) {
      // A job put back to wait (moveToDelayed) has not failed.
      if (error instanceof DelayedError) throw error;
      const final = finalAttempt(job, error);
      workerMetrics.jobDuration.observe(
        { ...labels, outcome: 'failed' },
        (performance.now() - started) / 1000,
      );
      workerMetrics.jobsFailed.inc({ ...labels, final: String(final) });
      this.jobLogger.warn(
        `Job failed (attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1}${final ? ', no retry left' : ''}): ${(error as Error)?.message ?? String(error)}`,
      );
      throw error;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }
}
