import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { RolloutsModule } from '../rollouts/rollouts.module';
import { NodesController } from './nodes.controller';
import { NodesService } from './nodes.service';

/** A deployment's nodes: list, read, grow, rename, decommission and retry. */
@Module({
  imports: [LifecycleModule, RolloutsModule],
  controllers: [NodesController],
  providers: [NodesService],
  exports: [NodesService],
})
export class NodesModule {}
