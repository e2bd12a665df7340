import { Global, Module } from '@nestjs/common';
import { DeploymentChangeService } from './deployment-change.service';
import { DeploymentsRepository } from './deployments.repository';
import { EventsRepository } from './events.repository';
import { LinksRepository } from './links.repository';
import { LockService } from './locks';
import { NodeChangesRepository } from './node-changes.repository';
import { NodesRepository } from './nodes.repository';
import { RolloutsRepository } from './rollouts.repository';
import { TelemetryRepository } from './telemetry.repository';

const OWNERS = [
  LockService,
  DeploymentsRepository,
  NodesRepository,
  NodeChangesRepository,
  LinksRepository,
  EventsRepository,
  RolloutsRepository,
  TelemetryRepository,
  DeploymentChangeService,
];

/** What several features share: the repositories of their common tables and every lock. */
@Global()
@Module({ providers: OWNERS, exports: OWNERS })
export class StoreModule {}
