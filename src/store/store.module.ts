import { Global, Module } from '@nestjs/common';
import { AlertingRepository } from './alerting.repository';
import { DeploymentsRepository } from './deployments.repository';
import { EventsRepository } from './events.repository';
import { LinksRepository } from './links.repository';
import { LockService } from './locks';
import { NodesRepository } from './nodes.repository';
import { RolloutsRepository } from './rollouts.repository';
import { TelemetryRepository } from './telemetry.repository';

const OWNERS = [
  LockService,
  DeploymentsRepository,
  NodesRepository,
  LinksRepository,
  EventsRepository,
  RolloutsRepository,
  TelemetryRepository,
  AlertingRepository,
];

/**
 * The owners of the tables: one repository per table family holds all of its SQL, and the lock
 * service holds every lock. Features orchestrate through them; controllers never see SQL.
 */
@Global()
@Module({ providers: OWNERS, exports: OWNERS })
export class StoreModule {}
