import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { JobName } from '../queue/jobs';
import { PARTITION_MAINTENANCE_EVERY_MS } from './telemetry.constants';

/** Every worker (re)registers the recurring telemetry jobs at boot; upserting is idempotent. */
@Injectable()
export class TelemetrySchedulerService implements OnApplicationBootstrap {
  private readonly logger = new Logger(TelemetrySchedulerService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly jobs: JobEnqueueService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.schedule(JobName.TELEMETRY_TICK, this.config.telemetryIntervalMs, {});
    await this.jobs.schedule(JobName.MAINTAIN_PARTITIONS, PARTITION_MAINTENANCE_EVERY_MS, {});
    this.logger.log(`Telemetry collection every ${this.config.telemetryIntervalMs} ms`);
  }
}
