import { Module } from '@nestjs/common';
import { PartitionMaintenanceProcessor } from './partition-maintenance.processor';
import { TelemetryCollectorService } from './telemetry-collector.service';
import { PrometheusSource } from './sources/prometheus.source';
import { SimulatorSource } from './sources/simulator.source';
import { SnmpSource } from './sources/snmp/snmp.source';
import { SnmpStateRepository } from './sources/snmp/snmp-state.repository';
import { TelemetrySourceRegistry } from './sources/telemetry-source';
import { TelemetrySourcesRepository } from './sources/telemetry-sources.repository';
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
    TelemetrySourceRegistry,
    TelemetrySourcesRepository,
    SimulatorSource,
    SnmpStateRepository,
    SnmpSource,
    PrometheusSource,
    TelemetryProcessor,
    PartitionMaintenanceProcessor,
  ],
})
export class TelemetryWorkerModule {}
