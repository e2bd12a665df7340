import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DriverRunsRepository, EnteredNodes } from '../drivers/driver-runs.repository';
import { DeploymentsRepository } from '../store/deployments.repository';
import { LockService } from '../store/locks';
import { BatchParams, MovedShard, NodesRepository } from '../store/nodes.repository';
import {
  ADVANCE_BATCH_SIZE,
  ADVANCE_JOB_BUDGET_MS,
  LIFECYCLE_SHARD_SIZE,
} from './lifecycle.constants';
import { earliestPerShard, shardSeqRange, WakeUp } from './lifecycle-shards';
import { decideShardRun } from './shard-run-decision';

export interface AdvanceResult {
  /** Transitions committed by this run. */
  moved: number;
  /** Wake-ups to arm: this shard's next one, and shards whose nodes this run admitted. */
  wakeUps: WakeUp[];
  /** Nodes of a deployment rolled out under a strategy ended: its rollout needs a look. */
  checkRollout?: boolean;
  /** Driver runs recorded by this run's batches, to queue now that they are committed. */
  driverRuns: string[];
}

/**
 * Moves due nodes in batches, each one statement (store/node-transition-sql.ts): claim (FOR UPDATE SKIP
 * LOCKED), move each node by the simulation model, and write the STATE_CHANGE events. A
 * replayed batch finds the rows moved on and changes nothing.
 */
@Injectable()
export class LifecycleAdvanceService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(DeploymentsRepository) private readonly deployments: DeploymentsRepository,
    @Inject(LockService) private readonly locks: LockService,
    @Inject(DriverRunsRepository) private readonly driverRuns: DriverRunsRepository,
  ) {}

  /**
   * Advances one shard until nothing in it is due, the budget is spent or `stopping()` says so,
   * and says when the shard must be woken next. A deployment that is gone yields nothing.
   */
  async advanceShard(
    deploymentId: number,
    shard: number,
    requestId: string | undefined,
    stopping: () => boolean = () => false,
  ): Promise<AdvanceResult> {
    const deadline = Date.now() + ADVANCE_JOB_BUDGET_MS;
    const [fromSeq, toSeq] = shardSeqRange(shard);
    const admittedElsewhere: WakeUp[] = [];
    const driverRuns: string[] = [];
    let moved = 0;
    let checkRollout = false;
    for (;;) {
      const timed = await this.inTransaction((q) =>
        this.advanceDue(q, deploymentId, fromSeq, toSeq, requestId, driverRuns),
      );
      if (timed === null) return { moved, wakeUps: [], checkRollout, driverRuns };
      checkRollout ||= timed.rolloutEnded;
      // Only a max_parallel deployment admits in a transaction of its own, and most of its runs
      // find no node waiting: skip that transaction then. A node that starts waiting after the
      // check is due now, so the earliestDue below (or its own wake-up) sees it.
      const admitted =
        timed.limited && timed.waiting
          ? await this.inTransaction((q) => this.admit(q, deploymentId, requestId, driverRuns))
          : { moved: 0, wakeUps: [], limited: timed.limited };
      if (admitted === null) return { moved, wakeUps: [], checkRollout, driverRuns };
      moved += timed.moved + admitted.moved;
      admittedElsewhere.push(...admitted.wakeUps.filter((w) => w.shard !== shard));
      const next = await this.nodes.earliestDue(deploymentId, fromSeq, toSeq, admitted.limited);
      const step = decideShardRun({
        ...next,
        progressed: timed.moved + admitted.moved > 0,
        mayGoOn: Date.now() < deadline && !stopping(),
      });
      if (step.kind === 'continue') continue;
      const own: WakeUp[] =
        step.kind === 'wake' ? [{ deploymentId, shard, dueAtMs: step.atMs }] : [];
      return {
        moved,
        wakeUps: earliestPerShard([...own, ...admittedElsewhere]),
        checkRollout,
        driverRuns,
      };
    }
  }

  /**
   * Due nodes of the shard; null when the deployment is gone. Without max_parallel that is every
   * due node: PROVISIONING and CONFIGURING nodes whose step ended, PENDING nodes, and FAILED
   * nodes marked for retry, in one transaction. Under max_parallel only the timed ones (admission
   * is deployment-wide, in `admit`), and it says whether the shard has due nodes waiting.
   */
  private async advanceDue(
    q: QueryRunner,
    deploymentId: number,
    fromSeq: number,
    toSeq: number,
    requestId: string | undefined,
    driverRuns: string[],
  ): Promise<{ moved: number; limited: boolean; waiting: boolean; rolloutEnded: boolean } | null> {
    const deployment = await this.locks.batch(q, deploymentId, [fromSeq, toSeq]);
    if (deployment === null) return null;
    const limited = deployment.max_parallel !== null;
    const waiting = deployment.waiting === true;
    const shards = await this.nodes.advanceShard(
      q,
      this.batch(deploymentId, ADVANCE_BATCH_SIZE, requestId),
      fromSeq,
      toSeq,
      limited,
    );
    const moved = shards.reduce((sum, r) => sum + r.moved, 0);
    if (shards.some((r) => r.ended)) await this.markFinishedIfDone(q, deploymentId, fromSeq, toSeq);
    if (shards.some((r) => r.entered)) {
      if (deployment.unstarted || deployment.finished) {
        await this.deployments.markStarted(q, deploymentId);
      }
      driverRuns.push(...(await this.claimDriverRuns(q, deploymentId, { seqs: [fromSeq, toSeq] })));
    }
    return {
      moved,
      limited,
      waiting,
      rolloutEnded: deployment.rollout && shards.some((r) => r.ended),
    };
  }

  /**
   * Under max_parallel, due PENDING nodes and FAILED nodes marked for retry enter PROVISIONING
   * deployment-wide (lowest node numbers first), serialised by an advisory lock so concurrent
   * workers never admit past the limit. Says when the shards of the admitted nodes are due.
   */
  private async admit(
    q: QueryRunner,
    deploymentId: number,
    requestId: string | undefined,
    driverRuns: string[],
  ): Promise<{ moved: number; wakeUps: WakeUp[]; limited: boolean } | null> {
    const deployment = await this.locks.batch(q, deploymentId);
    if (deployment === null) return null;
    if (deployment.max_parallel === null) return { moved: 0, wakeUps: [], limited: false };
    await this.locks.admission(q, deploymentId);
    const active = await this.nodes.activeCount(q, deploymentId);
    const slots = Math.min(ADVANCE_BATCH_SIZE, deployment.max_parallel - active);
    if (slots <= 0) return { moved: 0, wakeUps: [], limited: true };
    const shards: MovedShard[] = await this.nodes.admit(
      q,
      this.batch(deploymentId, slots, requestId),
    );
    const moved = shards.reduce((sum, r) => sum + r.moved, 0);
    if (moved > 0 && (deployment.unstarted || deployment.finished)) {
      await this.deployments.markStarted(q, deploymentId);
    }
    if (moved > 0) driverRuns.push(...(await this.claimDriverRuns(q, deploymentId, { all: true })));
    const wakeUps = shards
      .filter((r) => r.entered_due_ms !== null)
      .map((r) => ({ deploymentId, shard: r.shard, dueAtMs: r.entered_due_ms! }));
    return { moved, wakeUps, limited: true };
  }

  /**
   * Nodes that entered PROVISIONING in this transaction, under a deployment whose driver is not
   * the simulator, are handed to it: recorded into runs (committed with the moves) that the
   * caller queues after commit. The simulator's deployments have no provisioning row: one probe.
   */
  private async claimDriverRuns(
    q: QueryRunner,
    deploymentId: number,
    entered: EnteredNodes,
  ): Promise<string[]> {
    const config = await this.driverRuns.provisioningOf(q, deploymentId);
    if (config === null) return [];
    return this.driverRuns.claim(q, deploymentId, 'provision', config, entered);
  }

  /** The bounds and this worker's simulation settings of one batch statement. */
  private batch(deploymentId: number, limit: number, requestId: string | undefined): BatchParams {
    return {
      deploymentId,
      limit,
      timeScale: this.config.simTimeScale,
      failureRate: this.config.simFailureRate,
      requestId: requestId ?? null,
      shardSize: LIFECYCLE_SHARD_SIZE,
    };
  }

  /**
   * Sets finished_at when no node is left to move. The row lock serialises this check between
   * concurrent batches, and the checks run after it, so they see what those batches committed.
   * The deployment is read only when the batch's own shard has nothing left to move: a shard
   * with work left ends in a later batch, which checks again.
   */
  private async markFinishedIfDone(
    q: QueryRunner,
    deploymentId: number,
    fromSeq: number,
    toSeq: number,
  ): Promise<void> {
    await this.locks.noKeyUpdate(q, deploymentId);
    if (await this.nodes.shardBusy(q, deploymentId, fromSeq, toSeq)) return;
    await this.deployments.finishIfDone(q, deploymentId);
  }

  private async inTransaction<T>(work: (q: QueryRunner) => Promise<T>): Promise<T> {
    const q = this.dataSource.createQueryRunner();
    await q.connect();
    try {
      await q.startTransaction();
      const result = await work(q);
      await q.commitTransaction();
      return result;
    } catch (error) {
      if (q.isTransactionActive) await q.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await q.release();
    }
  }
}
