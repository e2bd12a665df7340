import { Module } from '@nestjs/common';
import { WakeUpService } from './wake-ups.service';

/** The API side of the rollout: arming and dropping wake-ups after a change commits. */
@Module({
  providers: [WakeUpService],
  exports: [WakeUpService],
})
export class LifecycleModule {}
