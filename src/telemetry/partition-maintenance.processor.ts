import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { JobName, QueueName } from '../queue/jobs';
import { PartitionMaintenance, TelemetryStorageService } from './telemetry-storage.service';

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
