import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GenerateSql, SQL } from '../database/generate-sql';
import { Queryable } from '../store/queryable';
import { deleteInBatches } from './batched-delete';
import { columnsOf } from './sql-columns';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'silenced';

export interface NewDelivery {
  id: string;
  receiverId: number;
  dedupeKey: string;
  alertId: string | null;
  /** The deployment event notified (outbox deliveries); null for alert notifications. */
  eventId?: string | null;
  /** firing, resolved or refresh for alerts; the event type for deployment events. */
  kind: string;
  status: 'pending' | 'silenced';
  body: string;
}

export interface DeliveryAttemptRow {
  attempted_at: Date;
  duration_ms: number;
  http_status: number | null;
  error: string | null;
  response_prefix: string | null;
}

export interface DeliveryRow {
  id: string;
  receiver_id: number;
  alert_id: string | null;
  event_id: string | null;
  kind: string;
  status: DeliveryStatus;
  attempts: number;
  last_http_status: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
  attempt_log: DeliveryAttemptRow[];
}

/** A delivery with what sending it needs. */
export interface OutgoingDelivery {
  id: string;
  status: DeliveryStatus;
  body: string;
  receiver_id: number;
  receiver_type: 'webhook' | 'alertmanager';
  url: string;
  secret: string | null;
  /** Until when the receiver's circuit breaker holds its deliveries (null: closed). */
  paused_until: Date | null;
}

/** A pending delivery the sweep looks at: its attempts so far and the job that sends it. */
export interface StaleDelivery {
  id: string;
  attempts: number;
  job_id: string;
}

/** Where a sweep of stale deliveries stopped. */
export interface StaleCursor {
  created_at: Date;
  id: string;
}

const DELIVERY_ID = '0b7f5c2e-8d1a-4f3b-9c6e-2a4d8e1f7b90';

/** Owns the notifications (alert_deliveries) and every attempt to send them (alert_delivery_attempts). */
@Injectable()
export class AlertDeliveriesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Stores notifications in one statement, each unless its dedupe key exists: returns the ids
   * this call created (a step or an event written twice notifies once).
   */
  @GenerateSql({
    params: [
      SQL,
      [
        {
          id: DELIVERY_ID,
          receiverId: 3,
          dedupeKey: 'alert:4521:firing:receiver:3',
          alertId: '4521',
          eventId: null,
          kind: 'firing',
          status: 'pending',
          body: '{"status":"firing"}',
        },
      ],
    ],
  })
  async insertDeliveries(m: Queryable, rows: NewDelivery[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const got: { id: string }[] = await m.query(
      `INSERT INTO alert_deliveries (id, receiver_id, dedupe_key, alert_id, event_id, kind, status,
                                    body)
       SELECT * FROM unnest($1::uuid[], $2::int[], $3::varchar[], $4::bigint[], $5::bigint[],
                            $6::varchar[], $7::varchar[], $8::text[])
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      columnsOf(
        rows.map((d) => ({ ...d, eventId: d.eventId ?? null })),
        ['id', 'receiverId', 'dedupeKey', 'alertId', 'eventId', 'kind', 'status', 'body'],
      ),
    );
    return new Set(got.map((r) => r.id));
  }

  @GenerateSql({ params: [DELIVERY_ID] })
  async outgoing(id: string): Promise<OutgoingDelivery | null> {
    const rows: OutgoingDelivery[] = await this.dataSource.query(
      `SELECT d.id, d.status, d.body, d.receiver_id, x.type AS receiver_type, x.url, x.secret,
              x.paused_until
       FROM alert_deliveries d JOIN alert_receivers x ON x.id = d.receiver_id WHERE d.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * One attempt, and the delivery's status after it. A batch whose body (by its md5) was
   * replaced while it was being sent (a newer evaluation's alerts) stays pending instead of delivered, so the new
   * body is sent too; returns the status recorded.
   */
  @GenerateSql({
    params: [
      DELIVERY_ID,
      { duration_ms: 38, http_status: 503, error: null, response_prefix: 'busy' },
      'pending',
      '0f3b5f6c1a7d2e9b8c4a6d1e3f5a7b9c',
    ],
  })
  async recordAttempt(
    id: string,
    attempt: Omit<DeliveryAttemptRow, 'attempted_at'>,
    status: DeliveryStatus,
    sentBodyMd5: string,
  ): Promise<DeliveryStatus> {
    return this.dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO alert_delivery_attempts (delivery_id, duration_ms, http_status, error,
                                              response_prefix)
         VALUES ($1, $2, $3, $4, $5)`,
        [id, attempt.duration_ms, attempt.http_status, attempt.error, attempt.response_prefix],
      );
      const rows: { status: DeliveryStatus }[] = await m.query(
        `UPDATE alert_deliveries SET attempts = attempts + 1,
                status = CASE WHEN $2::varchar = 'delivered' AND md5(body) <> $5 THEN 'pending'
                              ELSE $2::varchar END,
                last_http_status = $3, last_error = $4,
                delivered_at = CASE WHEN $2::varchar = 'delivered' THEN now() END
         WHERE id = $1 RETURNING status`,
        [id, status, attempt.http_status, attempt.error, sentBodyMd5],
      );
      return rows[0]?.status ?? status;
    });
  }

  /** Ends a pending delivery without sending it (its job was lost after its last attempt). */
  @GenerateSql({ params: [DELIVERY_ID, 'its job was lost after its last attempt'] })
  async markFailed(id: string, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE alert_deliveries SET status = 'failed', last_error = $2
       WHERE id = $1 AND status = 'pending'`,
      [id, error.slice(0, 500)],
    );
  }

  /** Names the job that now sends a delivery (a redelivery's or a re-queued one's). */
  @GenerateSql({ params: [DELIVERY_ID, `${DELIVERY_ID}-r1`] })
  async setJob(id: string, jobId: string): Promise<void> {
    await this.dataSource.query(`UPDATE alert_deliveries SET job_id = $2 WHERE id = $1`, [
      id,
      jobId,
    ]);
  }

  /**
   * The pending batch of one (rule, receiver) whose key starts with `keyPrefix`, locked until
   * commit: an evaluation replaces its body instead of adding a delivery while it waits.
   */
  @GenerateSql({ params: [SQL, 3, 'rule:12:alertmanager:3:'] })
  async pendingBatch(
    m: Queryable,
    receiverId: number,
    keyPrefix: string,
  ): Promise<{ id: string; body: string } | null> {
    const rows: { id: string; body: string }[] = await m.query(
      `SELECT id, body FROM alert_deliveries
       WHERE receiver_id = $1 AND status = 'pending' AND starts_with(dedupe_key, $2)
       ORDER BY created_at DESC LIMIT 1 FOR UPDATE`,
      [receiverId, keyPrefix],
    );
    return rows[0] ?? null;
  }

  @GenerateSql({ params: [SQL, DELIVERY_ID, '[]'] })
  async replaceBody(m: Queryable, id: string, body: string): Promise<void> {
    await m.query(`UPDATE alert_deliveries SET body = $2 WHERE id = $1`, [id, body]);
  }

  @GenerateSql(
    { name: 'all', params: [3, undefined, 100] },
    { name: 'by status', params: [3, 'failed', 100] },
  )
  async listDeliveries(
    receiverId: number,
    status: string | undefined,
    limit: number,
  ): Promise<DeliveryRow[]> {
    return this.dataSource.query(
      `SELECT d.id, d.receiver_id, d.alert_id, d.event_id, d.kind, d.status, d.attempts, d.last_http_status,
              d.last_error, d.delivered_at, d.created_at,
              COALESCE((SELECT json_agg(json_build_object(
                         'attempted_at', t.attempted_at, 'duration_ms', t.duration_ms,
                         'http_status', t.http_status, 'error', t.error,
                         'response_prefix', t.response_prefix) ORDER BY t.id)
                        FROM alert_delivery_attempts t WHERE t.delivery_id = d.id), '[]')
                AS attempt_log
       FROM alert_deliveries d
       WHERE d.receiver_id = $1 AND ($2::text IS NULL OR d.status = $2)
       ORDER BY d.created_at DESC, d.id LIMIT $3`,
      [receiverId, status ?? null, limit],
    );
  }

  /** Puts a delivery of the receiver back to pending for one more send; false if none. */
  @GenerateSql({ params: [3, DELIVERY_ID, `${DELIVERY_ID}-r1`] })
  async markForRedelivery(receiverId: number, id: string, jobId: string): Promise<boolean> {
    // Inside a WITH: a bare UPDATE ... RETURNING is answered as [rows, count] by the driver.
    const rows: unknown[] = await this.dataSource.query(
      `WITH changed AS (
         UPDATE alert_deliveries SET status = 'pending', job_id = $3
         WHERE id = $1 AND receiver_id = $2 RETURNING id)
       SELECT id FROM changed`,
      [id, receiverId, jobId],
    );
    return rows.length > 0;
  }

  /**
   * Pending deliveries created before `before`, whose job may never have been added: `limit` of
   * them in (created_at, id) order after `after`, so that successive sweeps go through a backlog
   * larger than one sweep instead of looking at its oldest rows every time.
   */
  @GenerateSql({ params: [new Date('2025-06-01T09:59:00Z'), 500, null] })
  async stalePending(
    before: Date,
    limit: number,
    after: StaleCursor | null,
  ): Promise<(StaleDelivery & StaleCursor)[]> {
    return this.dataSource.query(
      `SELECT id, attempts, COALESCE(job_id, id::text) AS job_id, created_at FROM alert_deliveries
       WHERE status = 'pending' AND created_at < $1
         AND ($3::timestamptz IS NULL OR (created_at, id) > ($3::timestamptz, $4::uuid))
       ORDER BY created_at, id LIMIT $2`,
      [before, limit, after?.created_at ?? null, after?.id ?? null],
    );
  }

  @GenerateSql({ params: [] })
  async deliveryCounts(): Promise<{ status: string; n: number }[]> {
    return this.dataSource.query(
      `SELECT status, count(*)::int AS n FROM alert_deliveries GROUP BY status`,
    );
  }

  /**
   * Deletes the deliveries created before `cutoff` that are no longer pending (their attempts
   * with them), then the attempts made before it, `batch` rows a statement; how many of each.
   */
  @GenerateSql({ params: [new Date('2025-05-25T00:00:00Z'), 5000] })
  async prune(cutoff: Date, batch: number): Promise<{ deliveries: number; attempts: number }> {
    const deliveries = await deleteInBatches(
      this.dataSource,
      'alert_deliveries',
      `created_at < $1 AND status <> 'pending'`,
      cutoff,
      batch,
    );
    const attempts = await deleteInBatches(
      this.dataSource,
      'alert_delivery_attempts',
      `attempted_at < $1`,
      cutoff,
      batch,
    );
    return { deliveries, attempts };
  }
}
