import { Injectable } from '@nestjs/common';

/**
 * What the rollout needs to hear from the API when nodes change. The lifecycle arms or drops
 * its wake-ups here; the reconciler covers anything a failed call misses, so none of these
 * may fail a request that already committed.
 */
@Injectable()
export class DeploymentLifecycleHooks {
  /** New PENDING nodes exist (create, grow): wake their shards. */
  async afterNodesCreated(_deploymentId: number, _requestId?: string): Promise<void> {}

  /** FAILED nodes were marked for retry (attempt + 1, next_step_at = now): wake their shards. */
  async afterNodesRetried(_deploymentId: number, _requestId?: string): Promise<void> {}

  /** The deployment is gone: drop its pending wake-ups. */
  async afterDeploymentDeleted(_deploymentId: number): Promise<void> {}
}
