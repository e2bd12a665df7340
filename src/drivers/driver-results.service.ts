import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EventType } from '../domain/event-type';
import { WakeUpService } from '../lifecycle/wake-ups.service';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { JobName, rolloutCheckOptions } from '../queue/jobs';
import { DeploymentsRepository } from '../store/deployments.repository';
import { LockService } from '../store/locks';
import { inTransaction, Queryable } from '../store/queryable';
import { driverMetrics } from './driver-metrics';
import { AppliedResults, DriverRunsRepository, NodeResult } from './driver-runs.repository';

/**
 * Applies a driver's results and does what follows, in one transaction per callback or per
 * finished run: the nodes move (one statement), provisioned nodes are claimed into configure
 * runs, the deployment is marked finished when nothing is left, and a run that ended gets its
 * DRIVER_RUN_FINISHED event. After commit: the new runs are queued, and when nodes ended, the
 * rollout is checked and waiting nodes are admitted (their slots freed).
 */
@Injectable()
export class DriverResultsService {
  private readonly logger = new Logger(DriverResultsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DriverRunsRepository) private readonly runs: DriverRunsRepository,
    @Inject(DeploymentsRepository) private readonly deployments: DeploymentsRepository,
    @Inject(JobEnqueueService) private readonly jobs: JobEnqueueService,
    @Inject(WakeUpService) private readonly wakeUps: WakeUpService,
    @Inject(LockService) private readonly locks: LockService,
  ) {}

  /** Applies results (or, with `closing`, ends the run and fails its nodes left). */
  async apply(
    runId: string,
    results: NodeResult[],
    closing?: { status: 'timed_out' | 'cancelled' | 'failed'; message: string },
  ): Promise<AppliedResults> {
    const { applied, newRuns } = await inTransaction(this.dataSource, async (q) => {
      // The lock order of every worker: the deployment (KEY SHARE) before its nodes, so a
      // delete waits for this transaction instead of deadlocking with it.
      const deploymentId = await this.runs.deploymentOf(q, runId);
      if (deploymentId === null || !(await this.locks.keyShare(q, deploymentId))) {
        return { applied: { moved: [], run: null } as AppliedResults, newRuns: [] };
      }
      const applied = await this.runs.apply(q, runId, results, closing);
      const newRuns = applied.run ? await this.follow(q, applied) : [];
      return { applied, newRuns };
    });
    const run = applied.run;
    if (!run) return applied;
    if (run.finished_at !== null) {
      driverMetrics.finished(run.driver, run.phase, run.status, run.started_at, run.finished_at);
    }
    await this.queueRuns(newRuns);
    if (applied.moved.some((m) => m.to_state === 'RUNNING' || m.to_state === 'FAILED')) {
      await this.afterEnded(run.deployment_id);
    }
    return applied;
  }

  /** Queues runs recorded by a committed transaction (a job per run, its id the run's). */
  async queueRuns(runIds: string[]): Promise<void> {
    if (runIds.length === 0) return;
    await this.jobs.addBulk(
      JobName.RUN_DRIVER,
      runIds.map((runId) => ({ payload: { runId }, options: { jobId: `driver-run-${runId}` } })),
    );
  }

  private async follow(q: Queryable, applied: AppliedResults): Promise<string[]> {
    const run = applied.run!;
    if (run.finished_at !== null) {
      await q.query(`INSERT INTO events (deployment_id, type, metadata) VALUES ($1, $2, $3)`, [
        run.deployment_id,
        EventType.DRIVER_RUN_FINISHED,
        {
          run_id: run.id,
          driver: run.driver,
          phase: run.phase,
          status: run.status,
          nodes: run.nodes,
          succeeded: run.succeeded,
          failed: run.failed,
          duration_ms: Date.parse(run.finished_at) - Date.parse(run.started_at),
        },
      ]);
    }
    if (applied.moved.some((m) => m.to_state === 'RUNNING' || m.to_state === 'FAILED')) {
      await this.locks.noKeyUpdate(q, run.deployment_id);
      await this.deployments.finishIfDone(q, run.deployment_id);
    }
    const provisioned = applied.moved.filter((m) => m.to_state === 'CONFIGURING').map((m) => m.id);
    const newRuns =
      provisioned.length > 0
        ? await this.runs.claim(q, run.deployment_id, 'configure', run.config, { ids: provisioned })
        : [];
    return newRuns;
  }

  /** Nodes ended: the rollout's wave may be over, and max_parallel slots are free. */
  private async afterEnded(deploymentId: number): Promise<void> {
    try {
      await this.jobs.add(
        JobName.CHECK_ROLLOUT,
        { deploymentId },
        rolloutCheckOptions(deploymentId, Date.now()),
      );
    } catch (error) {
      this.logger.warn(
        `Could not queue the rollout check of deployment ${deploymentId}: ${(error as Error).message}`,
      );
    }
    await this.wakeUps.armWaitingNodes(deploymentId);
  }
}
