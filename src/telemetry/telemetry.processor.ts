import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { hostname } from 'node:os';
import { JobHandlers } from '../queue/job-handlers';
import { JobName, JobPayload, QueueName } from '../queue/jobs';
import { TELEMETRY_WORKER_CONCURRENCY } from './telemetry.constants';
import { TelemetryCollectorService, TickOutcome } from './telemetry-collector.service';

export const TELEMETRY_HANDLERS: JobHandlers = {
  processor: 'TelemetryProcessor',
  queue: QueueName.TELEMETRY,
  jobs: [JobName.TELEMETRY_TICK, JobName.COLLECT_TELEMETRY_SHARD],
};

/**
 * The telemetry queue: collection ticks and the shard jobs they fan out into. Jobs record the
 * worker that ran them (host:pid), so an operator can see how the ticks spread.
 */
@Processor(QueueName.TELEMETRY, {
  concurrency: TELEMETRY_WORKER_CONCURRENCY,
  name: `${hostname()}:${process.pid}`,
})
export class TelemetryProcessor extends WorkerHost {
  constructor(private readonly collector: TelemetryCollectorService) {
    super();
  }

  async process(job: Job): Promise<TickOutcome | { stored: number }> {
    switch (job.name as JobName) {
      case JobName.TELEMETRY_TICK:
        return this.collector.tick(TelemetryCollectorService.tickTime(job));
      case JobName.COLLECT_TELEMETRY_SHARD: {
        const { deploymentId, shard, tickAt } =
          job.data as JobPayload<JobName.COLLECT_TELEMETRY_SHARD>;
        return { stored: await this.collector.collectShard(deploymentId, shard, tickAt) };
      }
      default:
        throw new UnrecoverableError(`No telemetry handler for job ${job.name}`);
    }
  }
}
