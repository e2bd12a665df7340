import { Module } from '@nestjs/common';
import { DeploymentLifecycleHooks } from './deployment-lifecycle.hooks';
import { DeploymentsController } from './deployments.controller';
import { DeploymentsService } from './deployments.service';

@Module({
  controllers: [DeploymentsController],
  providers: [DeploymentsService, DeploymentLifecycleHooks],
  exports: [DeploymentsService],
})
export class DeploymentsModule {}
