import { Module } from '@nestjs/common';
import { LifecycleAdvanceService } from './lifecycle-advance.service';
import { LifecycleProcessor } from './lifecycle.processor';
import { LifecycleReconcilerService } from './lifecycle-reconciler.service';

/** Worker role only: the processor that drives every node, and the reconciler. */
@Module({
  providers: [LifecycleAdvanceService, LifecycleReconcilerService, LifecycleProcessor],
})
export class LifecycleWorkerModule {}
