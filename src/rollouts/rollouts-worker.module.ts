import { Module } from '@nestjs/common';
import { AnalyticsModule } from '../analytics/analytics.module';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { RolloutsProcessor } from './rollouts.processor';
import { RolloutCheckerService } from './rollout-checker.service';

/** Worker role: the checks that end waves, halt, and start the next wave. */
@Module({
  imports: [LifecycleModule, AnalyticsModule],
  providers: [RolloutCheckerService, RolloutsProcessor],
})
export class RolloutsWorkerModule {}
