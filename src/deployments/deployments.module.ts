import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { RolloutsModule } from '../rollouts/rollouts.module';
import { TelemetrySettingsModule } from '../telemetry/sources/telemetry-settings.module';
import { DeploymentsController } from './deployments.controller';
import { DeploymentsService } from './deployments.service';

/** Deployments: create, read, rename, retry and delete, each with its audit event. */
@Module({
  imports: [LifecycleModule, RolloutsModule, TelemetrySettingsModule],
  controllers: [DeploymentsController],
  providers: [DeploymentsService],
  exports: [DeploymentsService],
})
export class DeploymentsModule {}
