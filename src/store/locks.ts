import { Injectable } from '@nestjs/common';
import { GenerateSql, SQL } from '../database/generate-sql';
import { DEPLOYMENT_COLUMNS, DeploymentRow } from './deployment-row';
import { Queryable } from './queryable';

/**
 * First keys of the service's advisory locks; the second key is always the deployment id.
 * The fold lock is also taken inside PostgreSQL, by the rollup trigger of the sample writes
 * (migration 1764250600000 holds its value).
 */
export const LOCK_CLASS = Object.freeze({
  /** API changes to one deployment (grow numbering, retry, shrink, delete, rename). */
  DEPLOYMENT_CHANGE: 0x44434847,
  /** max_parallel admissions of one deployment. */
  ADMISSION: 0x4e4f4144,
  /** The running-sum fold (exclusive), sample writes (shared) and sample deletes (exclusive). */
  PREFIX_FOLD: 0x50524658,
});

/**
 * The row lock an API change takes on its deployment, after the change lock. KEY SHARE for a
 * change beside the row (nodes, rollout, retries): it waits only for a delete, and neither a
 * lifecycle batch nor a telemetry writer (KEY SHARE, then NO KEY UPDATE to mark the deployment
 * started or finished) ever waits for it. NO KEY UPDATE for a change of the row itself (rename).
 * UPDATE for removing the deployment or any of its nodes: batches and writers in flight (KEY
 * SHARE) commit first, later ones wait and then find the rows gone.
 */
export enum DeploymentRowLock {
  KEY_SHARE = 'KEY SHARE',
  NO_KEY_UPDATE = 'NO KEY UPDATE',
  UPDATE = 'UPDATE',
}

/** What a lifecycle batch reads of its deployment while it locks it. */
export interface BatchDeployment {
  max_parallel: number | null;
  unstarted: boolean;
  finished: boolean;
  /** Whether the shard asked about has due nodes waiting to be admitted. */
  waiting?: boolean;
  /** Whether the deployment's rollout is running under a strategy (waves to check). */
  rollout: boolean;
}

/**
 * Settings of every batch transaction. Safe to lose on a PostgreSQL crash: a lost batch is as if
 * it never ran (state and events go together) and the reconciler re-arms its shard; meanwhile
 * commits do not wait on fsync. And only index probes: right after a big create the nodes table
 * has no statistics yet, and the planner then takes the deployment for a few rows and joins each
 * batch against all of it. Every statement of a batch reaches its rows through an index.
 */
const BATCH_SETTINGS = `SELECT set_config('synchronous_commit', 'off', true),
  set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true),
  set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)`;

/**
 * Every lock the service takes, in one place. The order is always: the deployment row first
 * (writers KEY SHARE, deletes FOR UPDATE), then its nodes, samples and events; advisory locks
 * never wait on a row lock held by a worker, because the workers never take the change lock.
 */
@Injectable()
export class LockService {
  /**
   * Serialises the API's own changes to one deployment until commit. Workers never take it, so
   * they are not held up.
   */
  @GenerateSql({ params: [SQL, 1] })
  async deploymentChange(m: Queryable, deploymentId: number): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock($1, $2)`, [
      LOCK_CLASS.DEPLOYMENT_CHANGE,
      deploymentId,
    ]);
  }

  /**
   * Holds the deployment against deletes until commit (telemetry writers, lifecycle batches):
   * a delete waits for this transaction, and one that came first is seen at once. False when
   * the deployment does not exist.
   */
  @GenerateSql({ params: [SQL, 1] })
  async keyShare(m: Queryable, deploymentId: number): Promise<boolean> {
    const rows: unknown[] = await m.query(`SELECT 1 FROM deployments WHERE id = $1 FOR KEY SHARE`, [
      deploymentId,
    ]);
    return rows.length > 0;
  }

  /**
   * The deployment row for a change of the row itself (rename, finish): waits for nothing a
   * KEY SHARE holder does, so lifecycle batches and telemetry writers go on. Its version, or
   * null when the deployment does not exist.
   */
  @GenerateSql({ params: [SQL, 1] })
  async noKeyUpdate(m: Queryable, deploymentId: number): Promise<{ version: number } | null> {
    const rows: { version: number }[] = await m.query(
      `SELECT version FROM deployments WHERE id = $1 FOR NO KEY UPDATE`,
      [deploymentId],
    );
    return rows[0] ?? null;
  }

  /**
   * The deployment row under the lock an API change needs (DeploymentRowLock), taken after the
   * change lock: the whole row, or null when the deployment does not exist.
   */
  @GenerateSql(
    { name: 'key share', params: [SQL, 1, DeploymentRowLock.KEY_SHARE] },
    { name: 'no key update', params: [SQL, 1, DeploymentRowLock.NO_KEY_UPDATE] },
    { name: 'for update', params: [SQL, 1, DeploymentRowLock.UPDATE] },
  )
  async deploymentRow(
    m: Queryable,
    deploymentId: number,
    lock: DeploymentRowLock,
  ): Promise<DeploymentRow | null> {
    const rows: DeploymentRow[] = await m.query(
      `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments WHERE id = $1 FOR ${lock}`,
      [deploymentId],
    );
    return rows[0] ?? null;
  }

  /**
   * KEY SHARE on the deployment before a lifecycle batch touches any node: a concurrent delete
   * then waits for the batch (same lock order, no deadlock), and a deleted deployment is seen at
   * once. The batch's transaction settings ride on this first statement (one round trip
   * fewer), and `waiting` (whether the shard has due nodes waiting for admission) is read only
   * when asked about a shard of a max_parallel deployment. Null when the deployment is gone.
   */
  @GenerateSql(
    { name: 'deployment', params: [SQL, 1] },
    { name: 'shard', params: [SQL, 1, [1, 256]] },
  )
  async batch(
    q: Queryable,
    deploymentId: number,
    shardSeqs?: [number, number],
  ): Promise<BatchDeployment | null> {
    const rows: BatchDeployment[] = await q.query(
      `WITH settings AS MATERIALIZED (${BATCH_SETTINGS})
       SELECT max_parallel, started_at IS NULL AS unstarted, finished_at IS NOT NULL AS finished,
              CASE WHEN max_parallel IS NOT NULL AND $2::int IS NOT NULL THEN
                EXISTS (SELECT 1 FROM nodes
                        WHERE deployment_id = $1 AND seq BETWEEN $2 AND $3
                          AND next_step_at <= now() AND state IN ('PENDING', 'FAILED'))
              END AS waiting,
              EXISTS (SELECT 1 FROM rollouts WHERE deployment_id = $1 AND status = 'running') AS rollout
       FROM deployments, settings WHERE id = $1 FOR KEY SHARE OF deployments`,
      [deploymentId, shardSeqs?.[0] ?? null, shardSeqs?.[1] ?? null],
    );
    return rows[0] ?? null;
  }

  /** Serialises max_parallel admissions of one deployment across every worker. */
  @GenerateSql({ params: [SQL, 1] })
  async admission(m: Queryable, deploymentId: number): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock($1, $2)`, [LOCK_CLASS.ADMISSION, deploymentId]);
  }

  /**
   * The running-sum fold of one deployment, exclusive: sample writes take it shared (in the
   * rollup trigger), so a folded minute holds every sample committed in it.
   */
  @GenerateSql({ params: [SQL, 1] })
  async fold(m: Queryable, deploymentId: number): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock($1, $2)`, [LOCK_CLASS.PREFIX_FOLD, deploymentId]);
  }
}
