import { Module } from '@nestjs/common';
import { TelemetryController } from './telemetry.controller';
import { TelemetryRollupsRepository } from './telemetry-rollups.repository';
import { TelemetryService } from './telemetry.service';
import { TelemetryStorageService } from './telemetry-storage.service';

/** Telemetry over HTTP: device push, samples and series. */
@Module({
  controllers: [TelemetryController],
  providers: [TelemetryService, TelemetryStorageService, TelemetryRollupsRepository],
})
export class TelemetryModule {}
