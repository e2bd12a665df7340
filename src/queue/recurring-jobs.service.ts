import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { FeatureConfig } from '../config/config-slices';
import { InjectConfig } from '../config/config.module';
import { JobEnqueueService } from './job-enqueue.service';
import { JobRegistry } from './job-registry';
import { JOB_QUEUE, JobName, recurringJobs } from './jobs';

/** How often a worker checks that Redis still holds the schedules it keeps. */
export const RECURRING_WATCHDOG_MS = 5000;

/**
 * The recurring jobs this process keeps: every declared schedule whose job this process runs is
 * registered at boot (upserting is idempotent, so every worker may do it) and put back by a
 * watchdog if Redis lost it, so recurring work resumes after a Redis wipe without a restart.
 */
@Injectable()
export class RecurringJobsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RecurringJobsService.name);
  private readonly schedules = new Map<JobName, number>();
  private watchdog?: NodeJS.Timeout;

  constructor(
    private readonly jobs: JobEnqueueService,
    private readonly registry: JobRegistry,
    @InjectConfig('queue') private readonly config: FeatureConfig<'queue'>,
  ) {}

  /** Processors register their handlers when built, so by now the registry knows what runs here. */
  async onApplicationBootstrap(): Promise<void> {
    const kept = recurringJobs(this.config).filter((job) => this.registry.handles(job.name));
    for (const { name, everyMs } of kept) await this.keep(name, everyMs);
    if (kept.length > 0) {
      this.logger.log(
        `Recurring jobs: ${kept.map((job) => `${job.name} every ${job.everyMs} ms`).join(', ')}`,
      );
    }
  }

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
