import { Module } from '@nestjs/common';
import { AnalyticsModule } from '../analytics/analytics.module';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { RolloutsProcessor } from './rollouts.processor';
import { RolloutsService } from './rollouts.service';

/** Worker role: the checks that end waves, halt, and start the next wave. */
@Module({
  imports: [LifecycleModule, AnalyticsModule],
  providers: [RolloutsService, RolloutsProcessor],
})
export class RolloutsWorkerModule {}
