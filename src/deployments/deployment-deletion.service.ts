import { Injectable, Logger, NotFoundException, PreconditionFailedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TelemetryStorageService } from '../telemetry/telemetry-storage.service';
import { lockDeploymentChanges } from './deployment-lock';
import { DeploymentLifecycleHooks } from './deployment-lifecycle.hooks';
import { ifMatchSatisfied } from './etag';

/** Removes a deployment with everything it owns, safely against running workers. */
@Injectable()
export class DeploymentDeletionService {
  private readonly logger = new Logger(DeploymentDeletionService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly telemetry: TelemetryStorageService,
    private readonly hooks: DeploymentLifecycleHooks,
  ) {}

  /**
   * One transaction, in the lock order every worker follows: the deployment row FOR UPDATE
   * first (lifecycle batches and telemetry writers take KEY SHARE on it before touching nodes or
   * samples, so the ones running now finish first and later ones wait, then find it gone), then
   * the nodes, the samples, and the row itself with its events.
   */
  async delete(id: number, ifMatch: string | undefined, requestId?: string): Promise<void> {
    const removed = await this.dataSource.transaction(async (m) => {
      await lockDeploymentChanges(m, id);
      const found: { version: number }[] = await m.query(
        `SELECT version FROM deployments WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (found.length === 0) throw new NotFoundException('Deployment not found');
      if (!ifMatchSatisfied(ifMatch, found[0].version)) {
        throw new PreconditionFailedException(
          'If-Match does not match the current ETag; GET the deployment and try again',
        );
      }
      const nodes: { n: number }[] = await m.query(
        `WITH gone AS (DELETE FROM nodes WHERE deployment_id = $1 RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [id],
      );
      await this.telemetry.deleteSamples(m, { deploymentId: id });
      const deleted: unknown[] = await m.query(
        `WITH gone AS (DELETE FROM deployments WHERE id = $1 RETURNING id) SELECT id FROM gone`,
        [id],
      );
      if (deleted.length === 0) throw new NotFoundException('Deployment not found');
      return nodes[0].n;
    });
    // The audit rows went with the deployment; the log keeps who deleted it.
    this.logger.log(`Deployment ${id} deleted with ${removed} nodes (request ${requestId ?? '-'})`);
    await this.hooks.afterDeploymentDeleted(id);
  }
}
