import { Module } from '@nestjs/common';
import { LifecycleSchedulerService } from './lifecycle-scheduler.service';

/** The API side of the rollout: arming and dropping wake-ups. Queues come from the global QueueModule. */
@Module({
  providers: [LifecycleSchedulerService],
  exports: [LifecycleSchedulerService],
})
export class LifecycleModule {}
