import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import { Job } from 'bullmq';
import { DriverResultsService } from '../drivers/driver-results.service';
import { JobRegistry } from '../queue/job-registry';
import { RegisteredProcessor } from '../queue/registered-processor';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { JobName, JobPayload, QueueName, rolloutCheckOptions } from '../queue/jobs';
import { LifecycleAdvanceService } from './lifecycle-advance.service';
import { LIFECYCLE_CONCURRENCY } from './lifecycle.constants';
import { LifecycleReconcilerService } from './lifecycle-reconciler.service';
import { WakeUpService } from './wake-ups.service';

/**
 * The lifecycle queue's one processor: advance-shard wake-ups and the reconciler. A short lock
 * lets a SIGKILLed worker's job be taken again within seconds; a job that runs twice is harmless.
 */
@Processor(QueueName.LIFECYCLE, {
  concurrency: LIFECYCLE_CONCURRENCY,
  lockDuration: 10_000,
  stalledInterval: 5_000,
  maxStalledCount: 20,
})
export class LifecycleProcessor extends RegisteredProcessor implements OnModuleDestroy {
  private readonly logger = new Logger(LifecycleProcessor.name);
  private closing = false;

  constructor(
    @Inject(LifecycleAdvanceService) private readonly advance: LifecycleAdvanceService,
    @Inject(LifecycleReconcilerService) private readonly reconciler: LifecycleReconcilerService,
    @Inject(WakeUpService) private readonly wakeUps: WakeUpService,
    @Inject(JobEnqueueService) private readonly jobs: JobEnqueueService,
    @Inject(DriverResultsService) private readonly driverResults: DriverResultsService,
    @Inject(JobRegistry) registry: JobRegistry,
  ) {
    super(registry, QueueName.LIFECYCLE);
    registry.register(LifecycleProcessor.name, QueueName.LIFECYCLE, {
      [JobName.ADVANCE_SHARD]: (payload) => this.advanceShard(payload),
      [JobName.RECONCILE_LIFECYCLE]: async () => ({ rearmed: await this.reconciler.reconcile() }),
    });
  }

  private async advanceShard(data: JobPayload<JobName.ADVANCE_SHARD>) {
    const result = await this.advance.advanceShard(
      data.deploymentId,
      data.shard,
      data.requestId,
      () => this.closing,
    );
    // Recorded runs whose job is lost here are queued again by the drivers' sweep.
    if (result.driverRuns.length > 0) await this.driverResults.queueRuns(result.driverRuns);
    if (result.wakeUps.length > 0) await this.wakeUps.add(result.wakeUps);
    if (result.checkRollout) {
      // Its wave may be over: the rollouts queue decides, under the rollout's row lock.
      await this.jobs.add(
        JobName.CHECK_ROLLOUT,
        { deploymentId: data.deploymentId },
        rolloutCheckOptions(data.deploymentId, Date.now()),
      );
    }
    return { moved: result.moved, next: result.wakeUps.map((w) => w.dueAtMs) };
  }

  /** Batches in hand stop looping over their shard at once and hand over to a wake-up. */
  onModuleDestroy(): void {
    this.closing = true;
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.warn(
      `Job ${job?.name} ${job?.id} failed (attempt ${job?.attemptsMade}): ${error.message}`,
    );
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.error(`Lifecycle worker error: ${error.message}`);
  }
}
