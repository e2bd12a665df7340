import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { DriverResultsService } from './driver-results.service';
import { DriverRunsController } from './driver-runs.controller';
import { DriverRunsRepository } from './driver-runs.repository';
import { DriverRunsService } from './driver-runs.service';

/** The drivers on the API side: provisioning checks, the runs' records and the callbacks. */
@Module({
  imports: [LifecycleModule],
  controllers: [DriverRunsController],
  providers: [DriverRunsRepository, DriverResultsService, DriverRunsService],
  exports: [DriverRunsRepository, DriverResultsService, DriverRunsService],
})
export class DriversModule {}

/** The drivers' shared parts without the HTTP controller, for the worker role. */
@Module({
  imports: [LifecycleModule],
  providers: [DriverRunsRepository, DriverResultsService],
  exports: [DriverRunsRepository, DriverResultsService],
})
export class DriversCoreModule {}
