import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { JobEnqueueService } from './job-enqueue.service';
import { JOB_QUEUE, JobName } from './jobs';

/** How often a worker checks that Redis still holds the schedules it keeps. */
export const RECURRING_WATCHDOG_MS = 5000;

/**
 * The recurring jobs this process keeps: registered at boot (upserting is idempotent, so every
 * worker may do it) and put back by a watchdog if Redis lost them, so recurring work resumes
 * after a Redis wipe without a restart.
 */
@Injectable()
export class RecurringJobsService implements OnModuleDestroy {
  private readonly logger = new Logger(RecurringJobsService.name);
  private readonly schedules = new Map<JobName, number>();
  private watchdog?: NodeJS.Timeout;

  constructor(private readonly jobs: JobEnqueueService) {}

  async keep(name: JobName, everyMs: number): Promise<void> {
    this.schedules.set(name, everyMs);
    await this.jobs.schedule(name, everyMs, {});
    if (this.watchdog) return;
    this.watchdog = setInterval(() => {
      this.ensureScheduled().catch((error: Error) =>
        this.logger.warn(`Could not check the recurring job schedules (${error.message})`),
      );
    }, RECURRING_WATCHDOG_MS);
    this.watchdog.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.watchdog);
  }

  /** Registers again any kept schedule Redis no longer holds; a no-op while they exist. */
  async ensureScheduled(): Promise<void> {
    for (const [name, every] of this.schedules) {
      if (await this.jobs.queue(JOB_QUEUE[name]).getJobScheduler(name)) continue;
      this.logger.warn(`The ${name} schedule was missing in Redis; registering it again`);
      await this.jobs.schedule(name, every, {});
    }
  }
}
