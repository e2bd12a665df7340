import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { TelemetryController } from './telemetry.controller';
import { TelemetryService } from './telemetry.service';
import { TelemetryStorageService } from './telemetry-storage.service';

@Module({
  imports: [DeploymentsModule],
  controllers: [TelemetryController],
  providers: [TelemetryService, TelemetryStorageService],
  exports: [TelemetryStorageService],
})
export class TelemetryModule {}
