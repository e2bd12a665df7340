import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GenerateSql, SQL } from '../database/generate-sql';
import { Queryable } from '../store/queryable';

export interface RuleFields {
  name: string;
  method: 'zscore' | 'mad' | 'absent';
  threshold: number;
  window_minutes: number;
  for_seconds: number;
  keep_firing_for_seconds: number;
  min_samples: number;
  /** Whose baseline a node is scored against: its role's, or the whole deployment's. */
  peer_group: 'role' | 'deployment';
  enabled: boolean;
}

export interface RuleRow extends RuleFields {
  id: number;
  deployment_id: number;
  receiver_ids: number[];
  evaluated_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** The running figures of the evaluation (one row). */
export interface EvaluationStats {
  evaluations: string;
  seconds_total: number;
  last_seconds: number;
  last_rules: number;
}

const RULE_SELECT = `
  SELECT r.id, r.deployment_id, r.name, r.method, r.threshold, r.window_minutes, r.for_seconds,
         r.keep_firing_for_seconds, r.min_samples, r.peer_group, r.enabled, r.evaluated_at,
         r.created_at,
         r.updated_at,
         COALESCE((SELECT array_agg(rr.receiver_id ORDER BY rr.receiver_id)
                   FROM alert_rule_receivers rr WHERE rr.rule_id = r.id), '{}') AS receiver_ids
  FROM alert_rules r`;

/** A rule's settable columns in the order of $2 … $10 of its insert and its update. */
const RULE_FIELDS = [
  'name',
  'method',
  'threshold',
  'window_minutes',
  'for_seconds',
  'keep_firing_for_seconds',
  'min_samples',
  'enabled',
  'peer_group',
] as const satisfies readonly (keyof RuleFields)[];

const fieldValues = (f: RuleFields) => RULE_FIELDS.map((key) => f[key]);

const EXAMPLE_RULE: RuleFields = {
  name: 'slow spines',
  method: 'zscore',
  threshold: 2.5,
  window_minutes: 10,
  for_seconds: 60,
  keep_firing_for_seconds: 0,
  min_samples: 3,
  peer_group: 'role',
  enabled: true,
};

/**
 * Owns the alert rules with the receivers each notifies (alert_rules, alert_rule_receivers),
 * their claims by the evaluation, and the evaluation's running figures (alert_evaluation_stats).
 */
@Injectable()
export class AlertRulesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @GenerateSql({ params: [SQL, 7, EXAMPLE_RULE] })
  async insertRule(m: Queryable, deploymentId: number, f: RuleFields): Promise<number> {
    const rows: { id: number }[] = await m.query(
      `INSERT INTO alert_rules (deployment_id, name, method, threshold, window_minutes, for_seconds,
                                keep_firing_for_seconds, min_samples, enabled, peer_group)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [deploymentId, ...fieldValues(f)],
    );
    return rows[0].id;
  }

  @GenerateSql({ params: [SQL, 12, EXAMPLE_RULE] })
  async updateRule(m: Queryable, id: number, f: RuleFields): Promise<void> {
    await m.query(
      `UPDATE alert_rules SET name = $2, method = $3, threshold = $4, window_minutes = $5,
              for_seconds = $6, keep_firing_for_seconds = $7, min_samples = $8, enabled = $9,
              peer_group = $10, updated_at = now()
       WHERE id = $1`,
      [id, ...fieldValues(f)],
    );
  }

  @GenerateSql({ params: [SQL, 12, [3, 4]] })
  async setRuleReceivers(m: Queryable, ruleId: number, receiverIds: number[]): Promise<void> {
    await m.query(`DELETE FROM alert_rule_receivers WHERE rule_id = $1`, [ruleId]);
    await m.query(
      `INSERT INTO alert_rule_receivers (rule_id, receiver_id)
       SELECT $1, unnest($2::int[]) ON CONFLICT DO NOTHING`,
      [ruleId, receiverIds],
    );
  }

  @GenerateSql({ params: [7] })
  async listRules(deploymentId: number): Promise<RuleRow[]> {
    return this.dataSource.query(`${RULE_SELECT} WHERE r.deployment_id = $1 ORDER BY r.id`, [
      deploymentId,
    ]);
  }

  /** One rule of a deployment; with `m`, locked for a change until commit. */
  @GenerateSql({ name: 'read', params: [7, 12] }, { name: 'locked', params: [7, 12, SQL] })
  async findRule(deploymentId: number, ruleId: number, m?: Queryable): Promise<RuleRow | null> {
    if (m) {
      const locked: unknown[] = await m.query(
        `SELECT 1 FROM alert_rules WHERE id = $1 AND deployment_id = $2 FOR UPDATE`,
        [ruleId, deploymentId],
      );
      if (locked.length === 0) return null;
    }
    const rows: RuleRow[] = await (m ?? this.dataSource).query(
      `${RULE_SELECT} WHERE r.id = $1 AND r.deployment_id = $2`,
      [ruleId, deploymentId],
    );
    return rows[0] ?? null;
  }

  @GenerateSql({ params: [SQL, 12] })
  async deleteRule(m: Queryable, ruleId: number): Promise<void> {
    await m.query(`DELETE FROM alert_rules WHERE id = $1`, [ruleId]);
  }

  /**
   * Claims the enabled rules not yet evaluated in `slot` (the evaluation interval) that share
   * one detection: same deployment, method, window, min_samples and peer group (thresholds may
   * differ).
   * The rows stay locked until the caller's transaction commits and other workers skip them,
   * so each rule is evaluated once per interval however many workers look. Empty when none is due.
   */
  @GenerateSql({ params: [SQL, 117_600_000] })
  async claimGroup(m: Queryable, slot: number): Promise<RuleRow[]> {
    const first: Pick<
      RuleRow,
      'id' | 'deployment_id' | 'method' | 'window_minutes' | 'min_samples' | 'peer_group'
    >[] = await m.query(
      `SELECT id, deployment_id, method, window_minutes, min_samples, peer_group FROM alert_rules
         WHERE enabled AND evaluated_slot < $1
         ORDER BY evaluated_slot, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [slot],
    );
    if (first.length === 0) return [];
    const f = first[0];
    const siblings: { id: number }[] = await m.query(
      `SELECT id FROM alert_rules
       WHERE enabled AND evaluated_slot < $1 AND deployment_id = $2 AND method = $3
         AND window_minutes = $4 AND min_samples = $5 AND peer_group = $7 AND id <> $6
       ORDER BY id FOR UPDATE SKIP LOCKED`,
      [slot, f.deployment_id, f.method, f.window_minutes, f.min_samples, f.id, f.peer_group],
    );
    return m.query(`${RULE_SELECT} WHERE r.id = ANY($1::int[]) ORDER BY r.id`, [
      [f.id, ...siblings.map((r) => r.id)],
    ]);
  }

  @GenerateSql({ params: [SQL, 12, 117_600_000] })
  async markEvaluated(m: Queryable, ruleId: number, slot: number): Promise<void> {
    await m.query(
      `UPDATE alert_rules SET evaluated_slot = $2, evaluated_at = now() WHERE id = $1`,
      [ruleId, slot],
    );
  }

  // ---- evaluation figures

  @GenerateSql({ params: [0.42, 25] })
  async recordEvaluation(seconds: number, rules: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE alert_evaluation_stats SET evaluations = evaluations + 1,
              seconds_total = seconds_total + $1, last_seconds = $1, last_rules = $2,
              last_at = now()
       WHERE id = 1`,
      [seconds, rules],
    );
  }

  @GenerateSql({ params: [] })
  async evaluationStats(): Promise<EvaluationStats | null> {
    const rows = await this.dataSource.query(`SELECT * FROM alert_evaluation_stats WHERE id = 1`);
    return rows[0] ?? null;
  }
}
