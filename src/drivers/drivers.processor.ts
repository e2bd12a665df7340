import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Inject, Logger, Module } from '@nestjs/common';
import { Job } from 'bullmq';
import { JobRegistry } from '../queue/job-registry';
import { JobName, QueueName } from '../queue/jobs';
import { RegisteredProcessor } from '../queue/registered-processor';
import { DriverExecutorService } from './driver-executor.service';
import { DriversCoreModule } from './drivers.module';

/**
 * The drivers queue: runs (an ansible process or an http send each), cancels and the sweep.
 * Runs mostly wait (on a process or an endpoint), hence many at once; ANSIBLE_MAX_CONCURRENT_RUNS
 * bounds the processes. A short lock: a SIGKILLed worker's run is taken up again within seconds.
 */
@Processor(QueueName.DRIVERS, {
  concurrency: 32,
  lockDuration: 10_000,
  stalledInterval: 5_000,
  maxStalledCount: 20,
})
export class DriversProcessor extends RegisteredProcessor {
  private readonly logger = new Logger(DriversProcessor.name);

  constructor(
    @Inject(DriverExecutorService) private readonly executor: DriverExecutorService,
    @Inject(JobRegistry) registry: JobRegistry,
  ) {
    super(registry, QueueName.DRIVERS);
    registry.register(DriversProcessor.name, QueueName.DRIVERS, {
      [JobName.RUN_DRIVER]: (payload) => this.executor.execute(payload.runId),
      [JobName.CANCEL_DRIVER_RUN]: (payload) => this.executor.cancel(payload.runId),
      [JobName.SWEEP_DRIVER_RUNS]: () => this.executor.sweep(),
    });
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.error(`Drivers worker error: ${error.message}`);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.warn(`Job ${job?.name} ${job?.id} failed: ${error.message}`);
  }
}

/** Worker role: the processor that starts and sends driver runs. */
@Module({
  imports: [DriversCoreModule],
  providers: [DriverExecutorService, DriversProcessor],
})
export class DriversWorkerModule {}
