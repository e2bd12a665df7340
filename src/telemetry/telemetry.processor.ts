import { Processor } from '@nestjs/bullmq';
import { hostname } from 'node:os';
import { JobRegistry } from '../queue/job-registry';
import { RegisteredProcessor } from '../queue/registered-processor';
import { JobName, QueueName } from '../queue/jobs';
import { TELEMETRY_WORKER_CONCURRENCY } from './telemetry.constants';
import { TelemetryCollectorService, TickOutcome } from './telemetry-collector.service';

/**
 * The telemetry queue: collection ticks and the shard jobs they fan out into. Jobs record the
 * worker that ran them (host:pid), so an operator can see how the ticks spread.
 */
@Processor(QueueName.TELEMETRY, {
  concurrency: TELEMETRY_WORKER_CONCURRENCY,
  name: `${hostname()}:${process.pid}`,
})
export class TelemetryProcessor extends RegisteredProcessor {
  constructor(registry: JobRegistry, collector: TelemetryCollectorService) {
    super(registry, QueueName.TELEMETRY);
    registry.register(TelemetryProcessor.name, QueueName.TELEMETRY, {
      [JobName.TELEMETRY_TICK]: (_, job): Promise<TickOutcome> =>
        collector.tick(TelemetryCollectorService.tickTime(job)),
      [JobName.COLLECT_TELEMETRY_SHARD]: async ({ deploymentId, shard, tickAt }) => ({
        stored: await collector.collectShard(deploymentId, shard, tickAt),
      }),
    });
  }
}
