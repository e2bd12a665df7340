import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { JobHandlers } from '../queue/job-handlers';
import { JobName, QueueName } from '../queue/jobs';
import { PrefixFold, TelemetryPrefixService } from './telemetry-prefix.service';
import { PartitionMaintenance, TelemetryStorageService } from './telemetry-storage.service';

export const MAINTENANCE_HANDLERS: JobHandlers = {
  processor: 'PartitionMaintenanceProcessor',
  queue: QueueName.MAINTENANCE,
  jobs: [JobName.MAINTAIN_PARTITIONS, JobName.FOLD_PREFIX_SUMS],
};

/**
 * The maintenance queue: telemetry partitions created ahead and expired ones dropped, and the
 * minutes that have passed folded into the per-node running sums.
 */
@Processor(QueueName.MAINTENANCE)
export class PartitionMaintenanceProcessor extends WorkerHost {
  constructor(
    private readonly storage: TelemetryStorageService,
    private readonly prefix: TelemetryPrefixService,
  ) {
    super();
  }

  async process(job: Job): Promise<PartitionMaintenance | PrefixFold> {
    switch (job.name as JobName) {
      case JobName.MAINTAIN_PARTITIONS:
        return this.storage.maintain();
      case JobName.FOLD_PREFIX_SUMS:
        return this.prefix.foldAll();
      default:
        throw new UnrecoverableError(`No maintenance handler for job ${job.name}`);
    }
  }
}
