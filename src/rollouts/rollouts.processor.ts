import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { JobRegistry } from '../queue/job-registry';
import { JobName, QueueName } from '../queue/jobs';
import { RegisteredProcessor } from '../queue/registered-processor';
import { RolloutCheckerService } from './rollout-checker.service';

/**
 * The rollouts queue: checks of one rollout (asked for when nodes of a waved deployment end,
 * when a wave's pause or soak is over, on resume) and the reconciler that asks for a check of
 * every running rollout, so a check lost with Redis or a killed worker stalls nothing.
 */
@Processor(QueueName.ROLLOUTS, { concurrency: 2, lockDuration: 10_000, stalledInterval: 5_000 })
export class RolloutsProcessor extends RegisteredProcessor {
  constructor(
    @Inject(JobRegistry) registry: JobRegistry,
    @Inject(RolloutCheckerService) checker: RolloutCheckerService,
  ) {
    super(registry, QueueName.ROLLOUTS);
    registry.register(RolloutsProcessor.name, QueueName.ROLLOUTS, {
      [JobName.CHECK_ROLLOUT]: async ({ deploymentId }) => ({
        outcome: await checker.check(deploymentId),
      }),
      [JobName.RECONCILE_ROLLOUTS]: async () => ({ checked: await checker.reconcile() }),
    });
  }
}
