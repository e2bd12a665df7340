import { Injectable } from '@nestjs/common';
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
  async noKeyUpdate(m: Queryable, deploymentId: number): Promise<{ version: number } | null> {
    const rows: { version: number }[] = await m.query(
      `SELECT version FROM deployments WHERE id = $1 FOR NO KEY UPDATE`,
      [deploymentId],
    );
    return rows[0] ?? null;
  }

  /**
   * The deployment row for removing it or any of its nodes: batches and writers in flight
   * (KEY SHARE) commit first, later ones wait and then find the rows gone. Its version, or null
   * when the deployment does not exist.
   */
  async forUpdate(m: Queryable, deploymentId: number): Promise<{ version: number } | null> {
    const rows: { version: number }[] = await m.query(
      `SELECT version FROM deployments WHERE id = $1 FOR UPDATE`,
      [deploymentId],
    );
    return rows[0] ?? null;
  }

  /** Serialises max_parallel admissions of one deployment across every worker. */
  async admission(m: Queryable, deploymentId: number): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock($1, $2)`, [LOCK_CLASS.ADMISSION, deploymentId]);
  }

  /**
   * The running-sum fold of one deployment, exclusive: sample writes take it shared (in the
   * rollup trigger), so a folded minute holds every sample committed in it.
   */
  async fold(m: Queryable, deploymentId: number): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock($1, $2)`, [LOCK_CLASS.PREFIX_FOLD, deploymentId]);
  }
}
