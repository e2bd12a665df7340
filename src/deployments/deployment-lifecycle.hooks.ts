import { Inject, Injectable } from '@nestjs/common';
import { LifecycleSchedulerService } from '../lifecycle/lifecycle-scheduler.service';
import { DeploymentEntity } from '../store/deployment.entity';

/**
 * What the rollout needs to hear from the API when nodes change. The lifecycle arms or drops
 * its wake-ups here; the reconciler covers anything a failed call misses, so none of these
 * may fail a request that already committed.
 */
@Injectable()
export class DeploymentLifecycleHooks {
  constructor(
    @Inject(LifecycleSchedulerService) private readonly scheduler: LifecycleSchedulerService,
  ) {}

  /** A deployment was created with all its nodes PENDING: wake their shards. */
  async afterDeploymentCreated(deployment: DeploymentEntity, requestId?: string): Promise<void> {
    await this.scheduler.armNewDeployment(
      {
        id: deployment.id,
        nodeCount: deployment.targetNodeCount,
        maxParallel: deployment.maxParallel,
        createdAt: deployment.createdAt,
      },
      requestId,
    );
  }

  /** New PENDING nodes exist (grow): wake their shards. */
  async afterNodesCreated(deploymentId: number, requestId?: string): Promise<void> {
    await this.scheduler.armWaitingNodes(deploymentId, requestId);
  }

  /** FAILED nodes were marked for retry (attempt + 1, next_step_at = now): wake their shards. */
  async afterNodesRetried(deploymentId: number, requestId?: string): Promise<void> {
    await this.scheduler.armWaitingNodes(deploymentId, requestId);
  }

  /** The deployment is gone: drop its pending wake-ups. */
  async afterDeploymentDeleted(deploymentId: number): Promise<void> {
    await this.scheduler.dropDeployment(deploymentId);
  }
}
