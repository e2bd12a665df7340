import { Module } from '@nestjs/common';
import { DriversCoreModule } from '../drivers/drivers.module';
import { LifecycleAdvanceService } from './lifecycle-advance.service';
import { LifecycleProcessor } from './lifecycle.processor';
import { LifecycleReconcilerService } from './lifecycle-reconciler.service';
import { LifecycleModule } from './lifecycle.module';

/** Worker role only: the processor that drives every node, and the reconciler. */
@Module({
  imports: [LifecycleModule, DriversCoreModule],
  providers: [LifecycleAdvanceService, LifecycleReconcilerService, LifecycleProcessor],
})
export class LifecycleWorkerModule {}
