import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { LIFECYCLE_SHARD_SIZE } from './lifecycle.constants';
import { shardOfSeq, WakeUp } from './lifecycle-shards';

/** A request never waits longer than this on Redis for its wake-ups. */
const ARM_TIMEOUT_MS = 2000;

/**
 * The API side of the rollout: arms wake-ups when nodes become due and drops them when a
 * deployment goes. Everything here runs after the request committed, so it never throws; what
 * it misses the reconciler re-arms.
 */
@Injectable()
export class LifecycleSchedulerService {
  private readonly logger = new Logger(LifecycleSchedulerService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(JobEnqueueService) private readonly jobs: JobEnqueueService,
  ) {}

  /**
   * Wakes the shards holding due PENDING or retried FAILED nodes. Under max_parallel one run
   * admits for the whole deployment, so only its first waiting shard is woken.
   */
  async armWaitingNodes(deploymentId: number, requestId?: string): Promise<void> {
    await this.quietly(`arm deployment ${deploymentId}`, async () => {
      const rows: { shard: number; due_ms: number; max_parallel: number | null }[] =
        await this.dataSource.query(
          `SELECT (n.seq - 1) / $2 AS shard,
                  (extract(epoch FROM min(n.next_step_at)) * 1000)::float8 AS due_ms,
                  min(d.max_parallel) AS max_parallel
           FROM nodes n JOIN deployments d ON d.id = n.deployment_id
           WHERE n.deployment_id = $1 AND n.next_step_at IS NOT NULL
             AND n.state IN ('PENDING', 'FAILED')
           GROUP BY 1 ORDER BY 1`,
          [deploymentId, LIFECYCLE_SHARD_SIZE],
        );
      if (rows.length === 0) return;
      // New work means the deployment is not finished any more.
      await this.dataSource.query(
        `UPDATE deployments SET finished_at = NULL WHERE id = $1 AND finished_at IS NOT NULL`,
        [deploymentId],
      );
      const wanted = rows[0].max_parallel !== null ? rows.slice(0, 1) : rows;
      const wakeUps: WakeUp[] = wanted.map((r) => ({
        deploymentId,
        shard: r.shard,
        dueAtMs: r.due_ms,
      }));
      await this.jobs.addWakeUps(wakeUps, requestId);
    });
  }

  /**
   * Wakes the shards of a deployment just created: its nodes 1..nodeCount are all PENDING and
   * due from its creation, so the shards are known without reading the nodes. Under
   * max_parallel only the first is woken, as in armWaitingNodes.
   */
  async armNewDeployment(
    deployment: { id: number; nodeCount: number; maxParallel: number | null; createdAt: Date },
    requestId?: string,
  ): Promise<void> {
    await this.quietly(`arm deployment ${deployment.id}`, async () => {
      const shards = deployment.maxParallel !== null ? 1 : shardOfSeq(deployment.nodeCount) + 1;
      const wakeUps: WakeUp[] = Array.from({ length: shards }, (_, shard) => ({
        deploymentId: deployment.id,
        shard,
        dueAtMs: deployment.createdAt.getTime(),
      }));
      await this.jobs.addWakeUps(wakeUps, requestId);
    });
  }

  /** Drops the deployment's pending wake-ups; one that still fires finds nothing and ends. */
  async dropDeployment(deploymentId: number): Promise<void> {
    await this.quietly(`drop wake-ups of deployment ${deploymentId}`, () =>
      this.jobs.removeWakeUps(deploymentId),
    );
  }

  private async quietly(what: string, work: () => Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      // ioredis queues commands while disconnected; never hold a request hostage to that.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${ARM_TIMEOUT_MS} ms`)),
          ARM_TIMEOUT_MS,
        );
      });
      await Promise.race([work(), timeout]);
    } catch (error) {
      this.logger.warn(
        `Could not ${what} (${(error as Error).message}); the reconciler will catch up`,
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
