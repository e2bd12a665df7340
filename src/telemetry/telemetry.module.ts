import { Module } from '@nestjs/common';
import { RemoteWriteController } from './remote-write/remote-write.controller';
import { RemoteWriteService } from './remote-write/remote-write.service';
import { TelemetryController } from './telemetry.controller';
import { TelemetryRollupsRepository } from './telemetry-rollups.repository';
import { TelemetryService } from './telemetry.service';
import { TelemetryStorageService } from './telemetry-storage.service';

/** Telemetry over HTTP: device push, Prometheus remote write, samples and series. */
@Module({
  controllers: [TelemetryController, RemoteWriteController],
  providers: [RemoteWriteService, TelemetryService, TelemetryStorageService, TelemetryRollupsRepository],
})
export class TelemetryModule {}
