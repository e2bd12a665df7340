import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JobName } from '../queue/jobs';
import { RecurringJobsService } from '../queue/recurring-jobs.service';
import { PARTITION_MAINTENANCE_EVERY_MS, PREFIX_FOLD_EVERY_MS } from './telemetry.constants';

/**
 * Every worker keeps the recurring telemetry jobs registered (collection ticks, partition upkeep
 * and the running-sum fold), so they resume by themselves after Redis lost them.
 */
@Injectable()
export class TelemetrySchedulerService implements OnApplicationBootstrap {
  private readonly logger = new Logger(TelemetrySchedulerService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly recurring: RecurringJobsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.recurring.keep(JobName.TELEMETRY_TICK, this.config.telemetryIntervalMs);
    await this.recurring.keep(JobName.MAINTAIN_PARTITIONS, PARTITION_MAINTENANCE_EVERY_MS);
    await this.recurring.keep(JobName.FOLD_PREFIX_SUMS, PREFIX_FOLD_EVERY_MS);
    this.logger.log(`Telemetry collection every ${this.config.telemetryIntervalMs} ms`);
  }
}
