import { Module } from '@nestjs/common';
import { TelemetryController } from './telemetry.controller';
import { TelemetryService } from './telemetry.service';
import { TelemetryStorageService } from './telemetry-storage.service';

@Module({
  controllers: [TelemetryController],
  providers: [TelemetryService, TelemetryStorageService],
  exports: [TelemetryStorageService],
})
export class TelemetryModule {}
