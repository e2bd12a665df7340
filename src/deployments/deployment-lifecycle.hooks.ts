import { Injectable } from '@nestjs/common';

/**
 * What the rollout needs to hear from the API when nodes appear. The lifecycle arms its
 * wake-ups here; the reconciler covers anything this misses, so it never fails a request.
 */
@Injectable()
export class DeploymentLifecycleHooks {
  async afterNodesCreated(_deploymentId: number, _requestId?: string): Promise<void> {}
}
