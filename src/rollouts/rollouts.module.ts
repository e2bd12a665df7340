import { Module } from '@nestjs/common';
import { DriversModule } from '../drivers/drivers.module';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { RolloutsController } from './rollouts.controller';
import { RolloutsService } from './rollouts.service';

/**
 * Rollout strategies on the API side: planning at create and grow, and the operator's pause,
 * resume and abort. The telemetry gate runs in the workers only (rollouts-worker.module.ts).
 */
@Module({
  imports: [LifecycleModule, DriversModule],
  controllers: [RolloutsController],
  providers: [RolloutsService],
  exports: [RolloutsService],
})
export class RolloutsModule {}
