import { Global, Module } from '@nestjs/common';
import { DeploymentsRepository } from './deployments.repository';
import { LockService } from './locks';
import { TelemetryRollupsRepository } from './telemetry-rollups.repository';
import { TelemetryRepository } from './telemetry.repository';

/**
 * The owners of the tables: one repository per table family holds all of its SQL, and the lock
 * service holds every lock. Features orchestrate through them; controllers never see SQL.
 */
@Global()
@Module({
  providers: [LockService, DeploymentsRepository, TelemetryRepository, TelemetryRollupsRepository],
  exports: [LockService, DeploymentsRepository, TelemetryRepository, TelemetryRollupsRepository],
})
export class StoreModule {}
