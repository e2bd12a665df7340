import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import {
  ADMISSION_LOCK_CLASS,
  ADVANCE_BATCH_SIZE,
  ADVANCE_JOB_BUDGET_MS,
  LIFECYCLE_SHARD_SIZE,
  MIN_WAKEUP_GAP_MS,
} from './lifecycle.constants';
import { earliestPerShard, shardSeqRange, WakeUp } from './lifecycle-shards';
import { ADMISSION_CLAIM_SQL, advanceSql, SHARD_CLAIM_SQL } from './transition-sql';

export interface AdvanceResult {
  /** Transitions committed by this run. */
  moved: number;
  /** Wake-ups to arm: this shard's next one, and shards whose nodes this run admitted. */
  wakeUps: WakeUp[];
}

interface DeploymentRow {
  max_parallel: number | null;
  unstarted: boolean;
  finished: boolean;
  /** Whether the shard asked about has due nodes waiting to be admitted. */
  waiting?: boolean;
}

/** What one batch statement did, per shard it touched (transition-sql.ts). */
interface MovedShard {
  shard: number;
  moved: number;
  /** Some node ended its rollout (RUNNING or FAILED). */
  ended: boolean;
  /** Some node entered PROVISIONING. */
  entered: boolean;
  /** The earliest step end of the nodes that entered PROVISIONING, epoch ms. */
  entered_due_ms: number | null;
}

/**
 * Settings of every batch transaction. Safe to lose on a PostgreSQL crash: a lost batch is as if
 * it never ran (state and events go together) and the reconciler re-arms its shard; meanwhile
 * commits do not wait on fsync. And only index probes: right after a big create the nodes table
 * has no statistics yet, and the planner then takes the deployment for a few rows and joins each
 * batch against all of it (a hash over 100,000 rows for every 1,000 moved, twice the cost of the
 * statement). Every statement of a batch reaches its rows through an index.
 */
const BATCH_SETTINGS = `SELECT set_config('synchronous_commit', 'off', true),
  set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true),
  set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)`;

const SHARD_ADVANCE_SQL = advanceSql(SHARD_CLAIM_SQL);
const ADMISSION_SQL = advanceSql(ADMISSION_CLAIM_SQL);

/**
 * Moves due nodes in batches, each one statement (transition-sql.ts): claim (FOR UPDATE SKIP
 * LOCKED), move each node by the simulation model, and write the STATE_CHANGE events. A
 * replayed batch finds the rows moved on and changes nothing.
 */
@Injectable()
export class LifecycleAdvanceService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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
    let moved = 0;
    for (;;) {
      const timed = await this.inTransaction((q) =>
        this.advanceDue(q, deploymentId, fromSeq, toSeq, requestId),
      );
      if (timed === null) return { moved, wakeUps: [] };
      // Only a max_parallel deployment admits in a transaction of its own, and most of its runs
      // find no node waiting: skip that transaction then. A node that starts waiting after the
      // check is due now, so the earliestDue below (or its own wake-up) sees it.
      const admitted =
        timed.limited && timed.waiting
          ? await this.inTransaction((q) => this.admit(q, deploymentId, requestId))
          : { moved: 0, wakeUps: [], limited: timed.limited };
      if (admitted === null) return { moved, wakeUps: [] };
      moved += timed.moved + admitted.moved;
      admittedElsewhere.push(...admitted.wakeUps.filter((w) => w.shard !== shard));
      const next = await this.earliestDue(deploymentId, fromSeq, toSeq, admitted.limited);
      const progressed = timed.moved + admitted.moved > 0;
      if (next.dueMs !== null && next.dueMs <= next.nowMs && progressed) {
        if (Date.now() < deadline && !stopping()) continue;
      }
      const own: WakeUp[] =
        next.dueMs === null
          ? []
          : [
              {
                deploymentId,
                shard,
                dueAtMs: Math.max(next.dueMs, next.nowMs + MIN_WAKEUP_GAP_MS),
              },
            ];
      return { moved, wakeUps: earliestPerShard([...own, ...admittedElsewhere]) };
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
  ): Promise<{ moved: number; limited: boolean; waiting: boolean } | null> {
    const deployment = await this.lockDeployment(q, deploymentId, [fromSeq, toSeq]);
    if (deployment === null) return null;
    const limited = deployment.max_parallel !== null;
    const waiting = deployment.waiting === true;
    const shards = await this.move(
      q,
      SHARD_ADVANCE_SQL,
      deploymentId,
      ADVANCE_BATCH_SIZE,
      requestId,
      [fromSeq, toSeq, limited],
    );
    const moved = shards.reduce((sum, r) => sum + r.moved, 0);
    if (shards.some((r) => r.ended)) await this.markFinishedIfDone(q, deploymentId, fromSeq, toSeq);
    if (shards.some((r) => r.entered) && (deployment.unstarted || deployment.finished)) {
      await this.markStarted(q, deploymentId);
    }
    return { moved, limited, waiting };
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
  ): Promise<{ moved: number; wakeUps: WakeUp[]; limited: boolean } | null> {
    const deployment = await this.lockDeployment(q, deploymentId);
    if (deployment === null) return null;
    if (deployment.max_parallel === null) return { moved: 0, wakeUps: [], limited: false };
    await q.query(`SELECT pg_advisory_xact_lock($1, $2)`, [ADMISSION_LOCK_CLASS, deploymentId]);
    const [{ n }]: { n: number }[] = await q.query(
      `SELECT count(*)::int AS n FROM nodes
       WHERE deployment_id = $1 AND state IN ('PROVISIONING', 'CONFIGURING')`,
      [deploymentId],
    );
    const slots = Math.min(ADVANCE_BATCH_SIZE, deployment.max_parallel - n);
    if (slots <= 0) return { moved: 0, wakeUps: [], limited: true };
    const shards = await this.move(q, ADMISSION_SQL, deploymentId, slots, requestId, []);
    const moved = shards.reduce((sum, r) => sum + r.moved, 0);
    if (moved > 0 && (deployment.unstarted || deployment.finished)) {
      await this.markStarted(q, deploymentId);
    }
    const wakeUps = shards
      .filter((r) => r.entered_due_ms !== null)
      .map((r) => ({ deploymentId, shard: r.shard, dueAtMs: r.entered_due_ms! }));
    return { moved, wakeUps, limited: true };
  }

  /** Runs one batch statement (transition-sql.ts) with this worker's simulation settings. */
  private async move(
    q: QueryRunner,
    sql: string,
    deploymentId: number,
    limit: number,
    requestId: string | undefined,
    claimParams: unknown[],
  ): Promise<MovedShard[]> {
    return q.query(sql, [
      deploymentId,
      limit,
      this.config.simTimeScale,
      this.config.simFailureRate,
      requestId ?? null,
      LIFECYCLE_SHARD_SIZE,
      ...claimParams,
    ]);
  }

  /**
   * Key-share lock on the deployment before any node lock: a concurrent DELETE then waits for
   * this batch (same lock order, no deadlock), and a deleted deployment is seen at once.
   */
  private async lockDeployment(
    q: QueryRunner,
    deploymentId: number,
    shardSeqs?: [number, number],
  ): Promise<DeploymentRow | null> {
    // The batch settings ride on this first statement of every batch: one round trip fewer.
    // `waiting` is read only when asked about a shard of a max_parallel deployment.
    const rows: DeploymentRow[] = await q.query(
      `WITH settings AS MATERIALIZED (${BATCH_SETTINGS})
       SELECT max_parallel, started_at IS NULL AS unstarted, finished_at IS NOT NULL AS finished,
              CASE WHEN max_parallel IS NOT NULL AND $2::int IS NOT NULL THEN
                EXISTS (SELECT 1 FROM nodes
                        WHERE deployment_id = $1 AND seq BETWEEN $2 AND $3
                          AND next_step_at <= now() AND state IN ('PENDING', 'FAILED'))
              END AS waiting
       FROM deployments, settings WHERE id = $1 FOR KEY SHARE OF deployments`,
      [deploymentId, shardSeqs?.[0] ?? null, shardSeqs?.[1] ?? null],
    );
    return rows[0] ?? null;
  }

  /** The deployment has started (again): nodes entered PROVISIONING. */
  private async markStarted(q: QueryRunner, deploymentId: number): Promise<void> {
    await q.query(
      `UPDATE deployments SET started_at = COALESCE(started_at, now()), finished_at = NULL
       WHERE id = $1`,
      [deploymentId],
    );
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
    await q.query(`SELECT 1 FROM deployments WHERE id = $1 FOR NO KEY UPDATE`, [deploymentId]);
    const [shard]: { busy: boolean }[] = await q.query(
      `SELECT EXISTS (SELECT 1 FROM nodes WHERE deployment_id = $1 AND seq BETWEEN $2 AND $3
                        AND next_step_at IS NOT NULL) AS busy`,
      [deploymentId, fromSeq, toSeq],
    );
    if (shard.busy) return;
    await q.query(
      `UPDATE deployments SET finished_at = now()
       WHERE id = $1 AND finished_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM nodes WHERE deployment_id = $1 AND next_step_at IS NOT NULL)`,
      [deploymentId],
    );
  }

  /**
   * The shard's earliest step end. Waiting nodes of a max_parallel deployment do not count: they
   * are admitted when a slot frees, by the run that freed it (or by the reconciler).
   */
  private async earliestDue(
    deploymentId: number,
    fromSeq: number,
    toSeq: number,
    limited: boolean,
  ): Promise<{ dueMs: number | null; nowMs: number }> {
    const [row]: { due_ms: number | null; now_ms: number }[] = await this.dataSource.query(
      `SELECT (extract(epoch FROM min(next_step_at)) * 1000)::float8 AS due_ms,
              (extract(epoch FROM now()) * 1000)::float8 AS now_ms
       FROM nodes
       WHERE deployment_id = $1 AND seq BETWEEN $2 AND $3 AND next_step_at IS NOT NULL
         AND (state IN ('PROVISIONING', 'CONFIGURING') OR NOT $4::boolean)`,
      [deploymentId, fromSeq, toSeq, limited],
    );
    return { dueMs: row.due_ms, nowMs: row.now_ms };
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
