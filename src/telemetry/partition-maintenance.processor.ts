import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DAY_MS } from '../domain/time';
import { JobRegistry } from '../queue/job-registry';
import { RegisteredProcessor } from '../queue/registered-processor';
import { JobName, QueueName } from '../queue/jobs';
import { EventsRepository } from '../store/events.repository';
import { PrefixFold, TelemetryPrefixService } from './telemetry-prefix.service';
import { PartitionMaintenance, TelemetryStorageService } from './telemetry-storage.service';

/** Each event retention run deletes at most EVENT_PRUNE_BATCHES batches. */
export const EVENT_PRUNE_BATCH = 5000;
export const EVENT_PRUNE_BATCHES = 100;

/** What one event retention run did. */
export interface EventPrune {
  /** Events created before this were due; null when retention is off (EVENT_RETENTION_DAYS=0). */
  cutoff: string | null;
  deleted: number;
  /** False when the run stopped at its batch limit with more left for the next one. */
  complete: boolean;
}

/**
 * The maintenance queue: telemetry partitions created ahead and expired ones dropped, the
 * minutes that have passed folded into the per-node running sums, and audit events older than
 * EVENT_RETENTION_DAYS deleted in batches.
 */
@Processor(QueueName.MAINTENANCE)
export class PartitionMaintenanceProcessor extends RegisteredProcessor {
  constructor(
    registry: JobRegistry,
    storage: TelemetryStorageService,
    prefix: TelemetryPrefixService,
    @Inject(EventsRepository) events: EventsRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super(registry, QueueName.MAINTENANCE);
    registry.register(PartitionMaintenanceProcessor.name, QueueName.MAINTENANCE, {
      [JobName.MAINTAIN_PARTITIONS]: (): Promise<PartitionMaintenance> => storage.maintain(),
      [JobName.FOLD_PREFIX_SUMS]: (): Promise<PrefixFold> => prefix.foldAll(),
      [JobName.PRUNE_EVENTS]: async (): Promise<EventPrune> => {
        if (config.eventRetentionDays === 0) return { cutoff: null, deleted: 0, complete: true };
        const cutoff = new Date(Date.now() - config.eventRetentionDays * DAY_MS);
        const result = await events.prune(cutoff, EVENT_PRUNE_BATCH, EVENT_PRUNE_BATCHES);
        return { cutoff: cutoff.toISOString(), ...result };
      },
    });
  }
}
