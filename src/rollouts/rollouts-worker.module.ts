import { Module } from '@nestjs/common';
import { AnalyticsService } from '../analytics/analytics.service';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { RolloutsProcessor } from './rollouts.processor';
import { RolloutCheckerService } from './rollout-checker.service';

/** Worker role: the checks that end waves, halt, and start the next wave. */
@Module({
  imports: [LifecycleModule],
  providers: [RolloutCheckerService, AnalyticsService, RolloutsProcessor],
})
export class RolloutsWorkerModule {}
