import { Injectable } from '@nestjs/common';
import { GenerateSql, SQL } from '../database/generate-sql';
import { StreamCursor } from '../store/events.repository';
import { Queryable } from '../store/queryable';

/** The outbox's row: its position in the events stream. */
export interface OutboxPosition {
  cursor: StreamCursor;
}

/** A deployment whose recorded status changed, with the status recorded before (if any). */
export interface StatusChange {
  deployment_id: number;
  status: string;
  previous: string | null;
}

/**
 * Owns the deployment-events outbox: its position in the events stream (alert_event_cursor,
 * one row, which also serializes the outbox across workers and records the retention's last run) and each
 * deployment's status as last seen (alert_deployment_statuses). Every statement runs in the
 * caller's transaction, which holds the position's row lock.
 */
@Injectable()
export class AlertOutboxRepository {
  /**
   * The outbox position, locked until commit; null while another worker holds it (that worker
   * is turning the same events into deliveries, so this one has nothing to do).
   */
  @GenerateSql({ params: [SQL] })
  async lockOutbox(m: Queryable): Promise<OutboxPosition | null> {
    const rows: { xid: string; event_id: string }[] = await m.query(
      `SELECT xid::text AS xid, event_id FROM alert_event_cursor WHERE id = 1
       FOR UPDATE SKIP LOCKED`,
    );
    if (rows.length === 0) return null;
    return { cursor: { xid: rows[0].xid, id: Number(rows[0].event_id) } };
  }

  @GenerateSql({ params: [SQL, { xid: '48213', id: 90512 }] })
  async advanceOutbox(m: Queryable, cursor: StreamCursor): Promise<void> {
    await m.query(`UPDATE alert_event_cursor SET xid = $1::xid8, event_id = $2 WHERE id = 1`, [
      cursor.xid,
      cursor.id,
    ]);
  }

  /**
   * Records every deployment's status as seen now, in one statement, and returns those whose
   * status changed since the last look (or that had none recorded) with the status before;
   * deployments no longer listed are forgotten. Each deployment recorded is held (KEY SHARE)
   * until commit, so a delete waits for the status and its event to commit first and then
   * removes the row (ON DELETE CASCADE); a deployment whose delete already holds its row is
   * skipped, so no status or event is ever written for a deployment being deleted.
   */
  @GenerateSql({
    params: [
      SQL,
      [
        { deploymentId: 7, status: 'degraded' },
        { deploymentId: 8, status: 'running' },
      ],
    ],
  })
  async recordStatuses(
    m: Queryable,
    seen: { deploymentId: number; status: string }[],
  ): Promise<StatusChange[]> {
    return m.query(
      `WITH live AS (
         SELECT id FROM deployments WHERE id = ANY($1::int[]) FOR KEY SHARE SKIP LOCKED
       ), cur AS (
         SELECT c.* FROM unnest($1::int[], $2::varchar[]) AS c(deployment_id, status)
         JOIN live ON live.id = c.deployment_id
       ), gone AS (
         DELETE FROM alert_deployment_statuses s WHERE s.deployment_id <> ALL($1::int[])
       ), prev AS (
         SELECT s.deployment_id, s.status FROM alert_deployment_statuses s
         JOIN cur USING (deployment_id)
       ), up AS (
         INSERT INTO alert_deployment_statuses AS s (deployment_id, status)
         SELECT deployment_id, status FROM cur
         ON CONFLICT (deployment_id) DO UPDATE SET status = EXCLUDED.status, changed_at = now()
           WHERE s.status <> EXCLUDED.status
         RETURNING s.deployment_id, s.status
       )
       SELECT up.deployment_id, up.status, prev.status AS previous
       FROM up LEFT JOIN prev USING (deployment_id) ORDER BY up.deployment_id`,
      [seen.map((x) => x.deploymentId), seen.map((x) => x.status)],
    );
  }

  /**
   * Claims the retention's turn: true (and the time noted) when the last prune is at least
   * `everyMs` old. One statement that waits for the outbox's row lock instead of skipping it, so
   * an outbox that runs often cannot starve the retention; a second worker's claim re-reads the
   * row once the first commits and finds the turn taken.
   */
  @GenerateSql({ params: [SQL, 600_000] })
  async claimPrune(m: Queryable, everyMs: number): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `WITH claimed AS (
         UPDATE alert_event_cursor SET pruned_at = now()
         WHERE id = 1 AND (pruned_at IS NULL OR pruned_at <= now() - make_interval(secs => $1 / 1000.0))
         RETURNING 1)
       SELECT 1 FROM claimed`,
      [everyMs],
    );
    return rows.length > 0;
  }
}
