import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GenerateSql, SQL } from '../database/generate-sql';
import { Queryable } from '../store/queryable';

export interface ReceiverRow {
  id: number;
  name: string;
  type: 'webhook' | 'alertmanager';
  url: string;
  /** Sealed (SecretBox, context `receiver`) once secret_sealed; see ReceiverSecretsSealer. */
  secret: string | null;
  secret_sealed: boolean;
  events: string[];
  created_at: Date;
  /** Failed attempts in a row (no answer, 5xx, 408, 429); 0 after a 2xx. */
  consecutive_failures: number;
  /** How many times in a row the breaker opened: each pause is twice the one before. */
  breaker_opens: number;
  /** Until when deliveries to it wait; null or past: the breaker is closed. */
  paused_until: Date | null;
}

/** The circuit breaker's settings: failures in a row that open it, and its pauses. */
export interface BreakerSettings {
  failures: number;
  firstPauseMs: number;
  maxPauseMs: number;
}

export interface NewReceiver {
  name: string;
  type: 'webhook' | 'alertmanager';
  url: string;
  /** Sealed by the caller (SecretBox, context `receiver`). */
  secret: string | null;
  events: string[];
}

/** Owns the alert_receivers table: where notifications go and which events each takes. */
@Injectable()
export class AlertReceiversRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @GenerateSql({
    params: [
      {
        name: 'on-call',
        type: 'webhook',
        url: 'https://hooks.example.com/netorch',
        secret: 'v1:0a1b2c3d:sealed-secret',
        events: ['DEPLOYMENT_FAILED'],
      },
    ],
  })
  async insertReceiver(r: NewReceiver): Promise<ReceiverRow> {
    const rows: ReceiverRow[] = await this.dataSource.query(
      `INSERT INTO alert_receivers (name, type, url, secret, secret_sealed, events)
       VALUES ($1, $2, $3, $4, true, $5) RETURNING *`,
      [r.name, r.type, r.url, r.secret, r.events],
    );
    return rows[0];
  }

  /** A page of receivers by id, and how many there are in all. */
  @GenerateSql({ params: [0, 100] })
  async listReceivers(
    skip: number,
    limit: number,
  ): Promise<{ rows: ReceiverRow[]; total: number }> {
    const rows: (ReceiverRow & { total: number })[] = await this.dataSource.query(
      `SELECT *, count(*) OVER ()::int AS total FROM alert_receivers ORDER BY id
       OFFSET $1 LIMIT $2`,
      [skip, limit],
    );
    return { rows, total: rows[0]?.total ?? (await this.countReceivers()) };
  }

  /** How many receivers there are (for MAX_RECEIVERS). */
  @GenerateSql({ params: [] })
  async countReceivers(): Promise<number> {
    const [row]: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM alert_receivers`,
    );
    return row.n;
  }

  @GenerateSql({ params: [3] })
  async findReceiver(id: number): Promise<ReceiverRow | null> {
    const rows: ReceiverRow[] = await this.dataSource.query(
      `SELECT * FROM alert_receivers WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  @GenerateSql({ params: [3] })
  async deleteReceiver(id: number): Promise<boolean> {
    // Inside a WITH: a bare DELETE ... RETURNING is answered as [rows, count] by the driver.
    const rows: unknown[] = await this.dataSource.query(
      `WITH gone AS (DELETE FROM alert_receivers WHERE id = $1 RETURNING id) SELECT id FROM gone`,
      [id],
    );
    return rows.length > 0;
  }

  /**
   * Counts an attempt's outcome into the receiver's breaker: a success closes it; a failure
   * that makes `failures` in a row, while the breaker is not already open, opens it for
   * firstPauseMs doubled at each opening in a row, at most maxPauseMs. Returns the pause.
   */
  @GenerateSql(
    {
      name: 'failure',
      params: [3, false, { failures: 5, firstPauseMs: 30000, maxPauseMs: 600000 }],
    },
    {
      name: 'success',
      params: [3, true, { failures: 5, firstPauseMs: 30000, maxPauseMs: 600000 }],
    },
  )
  async recordOutcome(
    id: number,
    ok: boolean,
    breaker: BreakerSettings,
  ): Promise<{ paused_until: Date | null } | null> {
    if (ok) {
      await this.dataSource.query(
        `UPDATE alert_receivers SET consecutive_failures = 0, breaker_opens = 0, paused_until = NULL
         WHERE id = $1 AND (consecutive_failures > 0 OR paused_until IS NOT NULL)`,
        [id],
      );
      return null;
    }
    const rows: { paused_until: Date | null }[] = await this.dataSource.query(
      `UPDATE alert_receivers SET consecutive_failures = consecutive_failures + 1,
              breaker_opens = breaker_opens + o.opens,
              paused_until = CASE WHEN o.opens = 1
                THEN now() + make_interval(secs => LEAST($4::float8,
                                                         $3::float8 * 2 ^ breaker_opens) / 1000)
                ELSE paused_until END
       FROM (SELECT CASE WHEN consecutive_failures + 1 >= $2
                          AND (paused_until IS NULL OR paused_until <= now())
                     THEN 1 ELSE 0 END AS opens
             FROM alert_receivers WHERE id = $1 FOR UPDATE) o
       WHERE id = $1 RETURNING paused_until`,
      [id, breaker.failures, breaker.firstPauseMs, breaker.maxPauseMs],
    );
    return rows[0] ?? null;
  }

  /** The ids among `ids` that name receivers, locked against deletion until commit. */
  @GenerateSql({ params: [SQL, [3, 4]] })
  async lockReceivers(m: Queryable, ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows: { id: number }[] = await m.query(
      `SELECT id FROM alert_receivers WHERE id = ANY($1::int[]) FOR KEY SHARE`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  /** The receivers a rule notifies. */
  @GenerateSql({ params: [SQL, 12] })
  async ruleReceivers(m: Queryable, ruleId: number): Promise<ReceiverRow[]> {
    return m.query(
      `SELECT x.* FROM alert_receivers x JOIN alert_rule_receivers rr ON rr.receiver_id = x.id
       WHERE rr.rule_id = $1 ORDER BY x.id`,
      [ruleId],
    );
  }

  /** Receivers that subscribed to any of `types`. */
  @GenerateSql({ params: [SQL, ['ROLLOUT_HALTED', 'DEPLOYMENT_FAILED']] })
  async subscribedReceivers(m: Queryable, types: readonly string[]): Promise<ReceiverRow[]> {
    return m.query(`SELECT * FROM alert_receivers WHERE events && $1::text[] ORDER BY id`, [types]);
  }
}
