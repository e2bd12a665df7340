import { Module } from '@nestjs/common';
import { PartitionMaintenanceProcessor } from './partition-maintenance.processor';
import { TelemetryCollectorService } from './telemetry-collector.service';
import { TelemetryProcessor } from './telemetry.processor';
import { TelemetryPrefixService } from './telemetry-prefix.service';
import { TelemetryRollupsRepository } from './telemetry-rollups.repository';
import { TelemetryStorageService } from './telemetry-storage.service';
import { TrendsRepository } from '../trends/trends.repository';

/** The worker side of telemetry: scheduled collection, partition upkeep and running sums. */
@Module({
  providers: [
    TelemetryStorageService,
    TelemetryPrefixService,
    TelemetryRollupsRepository,
    TrendsRepository,
    TelemetryCollectorService,
    TelemetryProcessor,
    PartitionMaintenanceProcessor,
  ],
})
export class TelemetryWorkerModule {}
