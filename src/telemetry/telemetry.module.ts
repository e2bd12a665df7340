import { Module } from '@nestjs/common';
import { RemoteWriteController } from './remote-write/remote-write.controller';
import { RemoteWriteService } from './remote-write/remote-write.service';
import { PrometheusSettingsCheck } from './sources/prometheus-settings.check';
import { TelemetrySettingsModule } from './sources/telemetry-settings.module';
import { TelemetryController } from './telemetry.controller';
import { TelemetryRollupsRepository } from './telemetry-rollups.repository';
import { TelemetryService } from './telemetry.service';
import { TelemetryStorageService } from './telemetry-storage.service';

/**
 * Telemetry over HTTP: device push, Prometheus remote write, samples and series; and the check
 * of a deployment's Prometheus source when it is created or changed.
 */
@Module({
  imports: [TelemetrySettingsModule],
  controllers: [TelemetryController, RemoteWriteController],
  providers: [
    RemoteWriteService,
    TelemetryService,
    TelemetryStorageService,
    TelemetryRollupsRepository,
    PrometheusSettingsCheck,
  ],
})
export class TelemetryModule {}
