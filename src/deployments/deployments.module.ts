import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { DeploymentLifecycleHooks } from './deployment-lifecycle.hooks';
import { DeploymentsController } from './deployments.controller';
import { DeploymentsService } from './deployments.service';

@Module({
  imports: [LifecycleModule],
  controllers: [DeploymentsController],
  providers: [DeploymentsService, DeploymentLifecycleHooks],
  exports: [DeploymentsService, DeploymentLifecycleHooks],
})
export class DeploymentsModule {}
