import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { NodesController } from './nodes.controller';
import { NodesService } from './nodes.service';

@Module({
  imports: [DeploymentsModule, TelemetryModule],
  controllers: [NodesController],
  providers: [NodesService],
  exports: [NodesService],
})
export class NodesModule {}
