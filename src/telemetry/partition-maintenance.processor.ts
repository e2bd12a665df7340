import { Processor } from '@nestjs/bullmq';
import { JobRegistry } from '../queue/job-registry';
import { RegisteredProcessor } from '../queue/registered-processor';
import { JobName, QueueName } from '../queue/jobs';
import { PrefixFold, TelemetryPrefixService } from './telemetry-prefix.service';
import { PartitionMaintenance, TelemetryStorageService } from './telemetry-storage.service';

/**
 * The maintenance queue: telemetry partitions created ahead and expired ones dropped, and the
 * minutes that have passed folded into the per-node running sums.
 */
@Processor(QueueName.MAINTENANCE)
export class PartitionMaintenanceProcessor extends RegisteredProcessor {
  constructor(
    registry: JobRegistry,
    storage: TelemetryStorageService,
    prefix: TelemetryPrefixService,
  ) {
    super(registry, QueueName.MAINTENANCE);
    registry.register(PartitionMaintenanceProcessor.name, QueueName.MAINTENANCE, {
      [JobName.MAINTAIN_PARTITIONS]: (): Promise<PartitionMaintenance> => storage.maintain(),
      [JobName.FOLD_PREFIX_SUMS]: (): Promise<PrefixFold> => prefix.foldAll(),
    });
  }
}
