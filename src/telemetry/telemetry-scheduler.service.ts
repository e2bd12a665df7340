import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { JOB_QUEUE, JobName } from '../queue/jobs';
import { PARTITION_MAINTENANCE_EVERY_MS } from './telemetry.constants';

/** How often every worker checks that Redis still holds the telemetry schedules. */
const WATCHDOG_EVERY_MS = 10_000;

/**
 * Every worker (re)registers the recurring telemetry jobs at boot (upserting is idempotent) and
 * puts them back if Redis lost them, so collection resumes without a restart.
 */
@Injectable()
export class TelemetrySchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TelemetrySchedulerService.name);
  private watchdog?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly jobs: JobEnqueueService,
  ) {}

  private get schedules(): [JobName, number][] {
    return [
      [JobName.TELEMETRY_TICK, this.config.telemetryIntervalMs],
      [JobName.MAINTAIN_PARTITIONS, PARTITION_MAINTENANCE_EVERY_MS],
    ];
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const [name, every] of this.schedules) await this.jobs.schedule(name, every, {});
    this.logger.log(`Telemetry collection every ${this.config.telemetryIntervalMs} ms`);
    this.watchdog = setInterval(() => {
      this.ensureScheduled().catch((error: Error) =>
        this.logger.warn(`Could not check the telemetry schedules (${error.message})`),
      );
    }, WATCHDOG_EVERY_MS);
    this.watchdog.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.watchdog);
  }

  /** Registers again any telemetry schedule Redis no longer holds; a no-op while they exist. */
  async ensureScheduled(): Promise<void> {
    for (const [name, every] of this.schedules) {
      if (await this.jobs.queue(JOB_QUEUE[name]).getJobScheduler(name)) continue;
      this.logger.warn(`The ${name} schedule was missing in Redis; registering it again`);
      await this.jobs.schedule(name, every, {});
    }
  }
}
