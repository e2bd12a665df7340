import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GenerateSql, SQL } from '../database/generate-sql';
import { Queryable } from '../store/queryable';
import { deleteInBatches } from './batched-delete';
import { columnsOf } from './sql-columns';

export interface AlertRow {
  id: string;
  fingerprint: string;
  rule_id: number;
  rule_name: string;
  deployment_id: number;
  node_id: number;
  node_identifier: string;
  state: 'pending' | 'firing' | 'resolved';
  active_since: Date;
  starts_at: Date | null;
  ends_at: Date | null;
  last_breach_at: Date;
  deviation_score: number;
  metrics: Record<string, { value: number; baseline: number; z: number; triggered: boolean }>;
  updated_at: Date;
  silenced?: boolean;
}

export type AlertWrite = Omit<AlertRow, 'id' | 'updated_at' | 'silenced'>;

/** An open alert that stays in its state and saw another breach. */
export interface AlertTouch {
  id: string;
  lastBreachAt: Date;
  deviationScore: number;
  metrics: object;
}

/** An alert as bound to a statement: its metrics as JSON text. */
type BoundAlert = Omit<AlertWrite, 'metrics'> & { id?: string; metrics: string };

const bound = (a: AlertWrite & { id?: string }): BoundAlert => ({
  ...a,
  metrics: JSON.stringify(a.metrics),
});

const ALERT_COLUMNS = `a.id, a.fingerprint, a.rule_id, a.rule_name, a.deployment_id, a.node_id,
  a.node_identifier, a.state, a.active_since, a.starts_at, a.ends_at, a.last_breach_at,
  a.deviation_score, a.metrics, a.updated_at`;

/** A silence that matches an alert of (deployment, rule, node) and has not ended. */
const SILENCE_MATCH = `s.deployment_id = a.deployment_id AND s.ends_at > now()
  AND (s.node_id IS NULL OR s.node_id = a.node_id) AND (s.rule_id IS NULL OR s.rule_id = a.rule_id)`;

const EXAMPLE_ALERT: AlertWrite = {
  fingerprint: '3f9a0c1d2e4b5a6f',
  rule_id: 12,
  rule_name: 'slow spines',
  deployment_id: 7,
  node_id: 301,
  node_identifier: 'spine-03',
  state: 'firing',
  active_since: new Date('2025-06-01T10:00:00Z'),
  starts_at: new Date('2025-06-01T10:01:00Z'),
  ends_at: null,
  last_breach_at: new Date('2025-06-01T10:05:00Z'),
  deviation_score: 3.1,
  metrics: { latency_ms: { value: 9.5, baseline: 2.1, z: 3.1, triggered: true } },
};

/** Owns the alerts table: one row per (rule, node) episode, pending, firing or resolved. */
@Injectable()
export class AlertsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @GenerateSql({ params: [SQL, 12] })
  async openAlerts(m: Queryable, ruleId: number): Promise<AlertRow[]> {
    return m.query(
      `SELECT ${ALERT_COLUMNS} FROM alerts a WHERE a.rule_id = $1 AND a.state <> 'resolved'`,
      [ruleId],
    );
  }

  /**
   * New alerts of one evaluation in one statement; returns the id of each, by node (a rule has
   * at most one open alert per node).
   */
  @GenerateSql({ params: [SQL, [EXAMPLE_ALERT]] })
  async insertAlerts(m: Queryable, rows: AlertWrite[]): Promise<Map<number, string>> {
    if (rows.length === 0) return new Map();
    const got: { id: string; node_id: number }[] = await m.query(
      `INSERT INTO alerts (fingerprint, rule_id, rule_name, deployment_id, node_id, node_identifier,
                           state, active_since, starts_at, ends_at, last_breach_at,
                           deviation_score, metrics)
       SELECT * FROM unnest($1::char(16)[], $2::int[], $3::varchar[], $4::int[], $5::int[],
                            $6::varchar[], $7::varchar[], $8::timestamptz[], $9::timestamptz[],
                            $10::timestamptz[], $11::timestamptz[], $12::float8[], $13::jsonb[])
       RETURNING id, node_id`,
      columnsOf(rows.map(bound), [
        'fingerprint',
        'rule_id',
        'rule_name',
        'deployment_id',
        'node_id',
        'node_identifier',
        'state',
        'active_since',
        'starts_at',
        'ends_at',
        'last_breach_at',
        'deviation_score',
        'metrics',
      ]),
    );
    return new Map(got.map((r) => [r.node_id, String(r.id)]));
  }

  /** Open alerts that change state in one evaluation, in one statement. */
  @GenerateSql({ params: [SQL, [{ ...EXAMPLE_ALERT, id: '4521' }]] })
  async updateAlerts(m: Queryable, rows: (AlertWrite & { id: string })[]): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `UPDATE alerts a SET state = u.state, starts_at = u.starts_at, ends_at = u.ends_at,
              last_breach_at = u.at, deviation_score = u.score, metrics = u.metrics,
              rule_name = u.rule_name, updated_at = now()
       FROM unnest($1::bigint[], $2::varchar[], $3::timestamptz[], $4::timestamptz[],
                   $5::timestamptz[], $6::float8[], $7::jsonb[], $8::varchar[])
            AS u(id, state, starts_at, ends_at, at, score, metrics, rule_name)
       WHERE a.id = u.id`,
      columnsOf(rows.map(bound), [
        'id',
        'state',
        'starts_at',
        'ends_at',
        'last_breach_at',
        'deviation_score',
        'metrics',
        'rule_name',
      ]),
    );
  }

  /** Open alerts that stay in their state: last breach, score and metrics, in one statement. */
  @GenerateSql({
    params: [
      SQL,
      [
        {
          id: '4521',
          lastBreachAt: new Date('2025-06-01T10:05:15Z'),
          deviationScore: 3.4,
          metrics: EXAMPLE_ALERT.metrics,
        },
      ],
    ],
  })
  async touchAlerts(m: Queryable, rows: AlertTouch[]): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `UPDATE alerts a SET last_breach_at = u.at, deviation_score = u.score, metrics = u.metrics,
              updated_at = now()
       FROM unnest($1::bigint[], $2::timestamptz[], $3::float8[], $4::jsonb[])
            AS u(id, at, score, metrics)
       WHERE a.id = u.id`,
      columnsOf(
        rows.map((r) => ({ ...r, metrics: JSON.stringify(r.metrics) })),
        ['id', 'lastBreachAt', 'deviationScore', 'metrics'],
      ),
    );
  }

  /** Pending alerts that cleared (they leave no trace), in one statement. */
  @GenerateSql({ params: [SQL, ['4521', '4522']] })
  async deleteAlerts(m: Queryable, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await m.query(`DELETE FROM alerts WHERE id = ANY($1::bigint[])`, [ids]);
  }

  /** Alerts newest first, with whether a silence covers them now. */
  @GenerateSql(
    { name: 'fleet', params: [{ limit: 100 }] },
    { name: 'deployment and state', params: [{ deploymentId: 7, state: 'firing', limit: 100 }] },
  )
  async listAlerts(filter: {
    deploymentId?: number;
    state?: string;
    limit: number;
  }): Promise<AlertRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.deploymentId !== undefined) {
      params.push(filter.deploymentId);
      where.push(`a.deployment_id = $${params.length}`);
    }
    if (filter.state !== undefined) {
      params.push(filter.state);
      where.push(`a.state = $${params.length}`);
    }
    params.push(filter.limit);
    return this.dataSource.query(
      `SELECT ${ALERT_COLUMNS},
              a.state <> 'resolved' AND EXISTS (SELECT 1 FROM alert_silences s WHERE ${SILENCE_MATCH})
                AS silenced
       FROM alerts a ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY a.id DESC LIMIT $${params.length}`,
      params,
    );
  }

  /** Per deployment, the nodes that at least one firing alert flags now. */
  @GenerateSql({ params: [] })
  async firingNodesByDeployment(): Promise<{ deployment_id: number; n: number }[]> {
    return this.dataSource.query(
      `SELECT deployment_id, count(DISTINCT node_id)::int AS n FROM alerts
       WHERE state = 'firing' GROUP BY deployment_id`,
    );
  }

  @GenerateSql({ params: [] })
  async alertCounts(): Promise<{ state: string; n: number }[]> {
    return this.dataSource.query(`SELECT state, count(*)::int AS n FROM alerts GROUP BY state`);
  }

  /** Deletes the resolved alerts that ended before `cutoff`, `batch` rows a statement; how many. */
  @GenerateSql({ params: [new Date('2025-05-25T00:00:00Z'), 5000] })
  async pruneResolved(cutoff: Date, batch: number): Promise<number> {
    return deleteInBatches(
      this.dataSource,
      'alerts',
      `state = 'resolved' AND ends_at < $1`,
      cutoff,
      batch,
    );
  }
}
