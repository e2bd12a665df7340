import { Module } from '@nestjs/common';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { DeploymentDeletionController } from './deployment-deletion.controller';
import { DeploymentDeletionService } from './deployment-deletion.service';
import { DeploymentsModule } from './deployments.module';

@Module({
  imports: [DeploymentsModule, TelemetryModule],
  controllers: [DeploymentDeletionController],
  providers: [DeploymentDeletionService],
})
export class DeploymentDeletionModule {}
