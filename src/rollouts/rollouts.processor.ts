import { Processor } from '@nestjs/bullmq';
import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import { JobRegistry } from '../queue/job-registry';
import { JobName, QueueName } from '../queue/jobs';
import { RecurringJobsService } from '../queue/recurring-jobs.service';
import { RegisteredProcessor } from '../queue/registered-processor';
import { RolloutCheckerService } from './rollout-checker.service';

/** How often every running rollout is looked at again, whatever happened to its checks. */
const RECONCILE_ROLLOUTS_EVERY_MS = 5000;

/**
 * The rollouts queue: checks of one rollout (asked for when nodes of a waved deployment end,
 * when a wave's pause or soak is over, on resume) and the reconciler that asks for a check of
 * every running rollout, so a check lost with Redis or a killed worker stalls nothing.
 */
@Processor(QueueName.ROLLOUTS, { concurrency: 2, lockDuration: 10_000, stalledInterval: 5_000 })
export class RolloutsProcessor extends RegisteredProcessor implements OnApplicationBootstrap {
  constructor(
    @Inject(JobRegistry) registry: JobRegistry,
    @Inject(RolloutCheckerService) checker: RolloutCheckerService,
    @Inject(RecurringJobsService) private readonly recurring: RecurringJobsService,
  ) {
    super(registry, QueueName.ROLLOUTS);
    registry.register(RolloutsProcessor.name, QueueName.ROLLOUTS, {
      [JobName.CHECK_ROLLOUT]: async ({ deploymentId }) => ({
        outcome: await checker.check(deploymentId),
      }),
      [JobName.RECONCILE_ROLLOUTS]: async () => ({ checked: await checker.reconcile() }),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.recurring.keep(JobName.RECONCILE_ROLLOUTS, RECONCILE_ROLLOUTS_EVERY_MS);
  }
}
