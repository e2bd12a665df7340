import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { RolloutsModule } from '../rollouts/rollouts.module';
import { NodesController } from './nodes.controller';
import { NodesService } from './nodes.service';
import { TopologyController } from './topology.controller';
import { TopologyService } from './topology.service';

/**
 * A deployment's nodes: list, read, grow, rename, decommission and retry; a fabric's links and
 * the blast radius of a node.
 */
@Module({
  imports: [LifecycleModule, RolloutsModule],
  controllers: [NodesController, TopologyController],
  providers: [NodesService, TopologyService],
  exports: [NodesService],
})
export class NodesModule {}
