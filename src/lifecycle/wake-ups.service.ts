import { Inject, Injectable, Logger } from '@nestjs/common';
import { withTimeout } from '../common/with-timeout';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { JobName, JobPayload, QueueName } from '../queue/jobs';
import { DeploymentsRepository } from '../store/deployments.repository';
import { NodesRepository } from '../store/nodes.repository';
import { LIFECYCLE_SHARD_SIZE } from './lifecycle.constants';
import { shardOfSeq, WakeUp, wakeUpJobId } from './lifecycle-shards';

/** A request never waits longer than this on Redis for its wake-ups. */
const ARM_TIMEOUT_MS = 2000;

/**
 * The rollout's wake-ups: one delayed advance-shard job per shard and due time (deterministic
 * id, so arming twice is a no-op). The API arms them after a change commits (create, grow,
 * retry) and drops them after a delete; workers arm a shard's next one after each run and the
 * reconciler re-arms overdue shards. The state they act on lives in PostgreSQL, so the API's
 * calls never fail a request that committed: what they miss the reconciler re-arms.
 */
@Injectable()
export class WakeUpService {
  private readonly logger = new Logger(WakeUpService.name);

  constructor(
    @Inject(JobEnqueueService) private readonly jobs: JobEnqueueService,
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(DeploymentsRepository) private readonly deployments: DeploymentsRepository,
  ) {}

  /** Completed wake-ups are removed at once: their id must be free for the next arming. */
  async add(wakeUps: WakeUp[], requestId?: string | null): Promise<void> {
    const now = Date.now();
    await this.jobs.addBulk(
      JobName.ADVANCE_SHARD,
      wakeUps.map((w) => ({
        payload: {
          deploymentId: w.deploymentId,
          shard: w.shard,
          ...(requestId ? { requestId } : {}),
        },
        options: {
          jobId: wakeUpJobId(w),
          delay: Math.max(0, Math.ceil(w.dueAtMs - now)),
          removeOnComplete: true,
        },
      })),
    );
  }

  /**
   * Like add, but first clears a wake-up with the same id that already failed for good (its id
   * would otherwise swallow the new one); for the reconciler's overdue shards.
   */
  async rearm(wakeUps: WakeUp[]): Promise<void> {
    const queue = this.jobs.queue(QueueName.LIFECYCLE);
    for (const w of wakeUps) {
      const job = await queue.getJob(wakeUpJobId(w));
      if (job && (await job.isFailed())) await job.remove();
    }
    await this.add(wakeUps);
  }

  /**
   * Wakes the shards of a deployment just created: its nodes 1..nodeCount are all PENDING and
   * due from its creation, so the shards are known without reading the nodes. Under
   * max_parallel one run admits for the whole deployment, so only the first is woken.
   */
  async armNewDeployment(
    deployment: { id: number; nodeCount: number; maxParallel: number | null; createdAt: Date },
    requestId?: string | null,
  ): Promise<void> {
    await this.quietly(`arm deployment ${deployment.id}`, async () => {
      const shards = deployment.maxParallel !== null ? 1 : shardOfSeq(deployment.nodeCount) + 1;
      const wakeUps: WakeUp[] = Array.from({ length: shards }, (_, shard) => ({
        deploymentId: deployment.id,
        shard,
        dueAtMs: deployment.createdAt.getTime(),
      }));
      await this.add(wakeUps, requestId);
    });
  }

  /**
   * Wakes the shards holding due PENDING or retried FAILED nodes (after grow and retry). Under
   * max_parallel only the first waiting shard is woken, as in armNewDeployment.
   */
  async armWaitingNodes(deploymentId: number, requestId?: string | null): Promise<void> {
    await this.quietly(`arm deployment ${deploymentId}`, async () => {
      const rows = await this.nodes.waitingShards(deploymentId, LIFECYCLE_SHARD_SIZE);
      if (rows.length === 0) return;
      await this.deployments.unfinish(deploymentId);
      const wanted = rows[0].max_parallel !== null ? rows.slice(0, 1) : rows;
      await this.add(
        wanted.map((r) => ({ deploymentId, shard: r.shard, dueAtMs: r.due_ms })),
        requestId,
      );
    });
  }

  /** Drops the deployment's wake-ups that have not started; a running one finds nothing. */
  async dropDeployment(deploymentId: number): Promise<void> {
    await this.quietly(`drop wake-ups of deployment ${deploymentId}`, async () => {
      const queue = this.jobs.queue(QueueName.LIFECYCLE);
      const page = 500;
      const doomed = [];
      // Pending wake-ups number about one per shard, so this list stays short.
      for (let start = 0; ; start += page) {
        const jobs = await queue.getJobs(
          ['delayed', 'waiting', 'prioritized'],
          start,
          start + page - 1,
        );
        for (const job of jobs) {
          const data = job?.data as Partial<JobPayload<JobName.ADVANCE_SHARD>> | undefined;
          if (job?.name === JobName.ADVANCE_SHARD && data?.deploymentId === deploymentId) {
            doomed.push(job);
          }
        }
        if (jobs.length < page) break;
      }
      // A job that started meanwhile cannot be removed; it will find the rows gone.
      for (const job of doomed) await job.remove().catch(() => undefined);
    });
  }

  private async quietly(what: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await withTimeout(work(), ARM_TIMEOUT_MS, 'Redis or PostgreSQL');
    } catch (error) {
      this.logger.warn(
        `Could not ${what} (${(error as Error).message}); the reconciler will catch up`,
      );
    }
  }
}
