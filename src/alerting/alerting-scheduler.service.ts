import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JobName } from '../queue/jobs';
import { RecurringJobsService } from '../queue/recurring-jobs.service';
import { ALERT_RETENTION_CHECK_MS } from './alerting.constants';

/**
 * Every worker keeps alerting's recurring jobs registered (idempotent upsert): the rule
 * evaluation, and the deployment-events outbox at the same interval so events go out as
 * promptly as alerts; the retention looks less often, as it prunes every ten minutes at most.
 */
@Injectable()
export class AlertingSchedulerService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AlertingSchedulerService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly recurring: RecurringJobsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.recurring.keep(JobName.EVALUATE_ALERTS, this.config.alertEvalIntervalMs);
    await this.recurring.keep(JobName.RUN_ALERT_OUTBOX, this.config.alertEvalIntervalMs);
    await this.recurring.keep(JobName.PRUNE_ALERTS, ALERT_RETENTION_CHECK_MS);
    this.logger.log(`Alert rules evaluated every ${this.config.alertEvalIntervalMs} ms`);
  }
}
