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

  @GenerateSql({ params: [] })
  async listReceivers(): Promise<ReceiverRow[]> {
    return this.dataSource.query(`SELECT * FROM alert_receivers ORDER BY id`);
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
    const rows: unknown[] = await this.dataSource.query(
      `DELETE FROM alert_receivers WHERE id = $1 RETURNING id`,
      [id],
    );
    return rows.length > 0;
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
