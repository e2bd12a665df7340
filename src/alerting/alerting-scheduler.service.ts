import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JobName } from '../queue/jobs';
import { RecurringJobsService } from '../queue/recurring-jobs.service';

/** Every worker keeps the recurring rule evaluation registered (idempotent upsert). */
@Injectable()
export class AlertingSchedulerService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AlertingSchedulerService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly recurring: RecurringJobsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.recurring.keep(JobName.EVALUATE_ALERTS, this.config.alertEvalIntervalMs);
    this.logger.log(`Alert rules evaluated every ${this.config.alertEvalIntervalMs} ms`);
  }
}
