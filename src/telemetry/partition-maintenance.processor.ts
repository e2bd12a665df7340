import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { JobHandlers } from '../queue/job-handlers';
import { JobName, QueueName } from '../queue/jobs';
import { PartitionMaintenance, TelemetryStorageService } from './telemetry-storage.service';

export const MAINTENANCE_HANDLERS: JobHandlers = {
  processor: 'PartitionMaintenanceProcessor',
  queue: QueueName.MAINTENANCE,
  jobs: [JobName.MAINTAIN_PARTITIONS],
};

/** The maintenance queue: telemetry partitions created ahead, expired ones dropped. */
@Processor(QueueName.MAINTENANCE)
export class PartitionMaintenanceProcessor extends WorkerHost {
  constructor(private readonly storage: TelemetryStorageService) {
    super();
  }

  async process(job: Job): Promise<PartitionMaintenance> {
    if (job.name !== (JobName.MAINTAIN_PARTITIONS as string)) {
      throw new UnrecoverableError(`No maintenance handler for job ${job.name}`);
    }
    return this.storage.maintain();
  }
}
