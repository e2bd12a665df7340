import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { StreamCursor } from './events.repository';
import { Queryable } from './queryable';

export interface ReceiverRow {
  id: number;
  name: string;
  type: 'webhook' | 'alertmanager';
  url: string;
  secret: string | null;
  events: string[];
  created_at: Date;
}

export interface NewReceiver {
  name: string;
  type: 'webhook' | 'alertmanager';
  url: string;
  secret: string | null;
  events: string[];
}

export interface RuleFields {
  name: string;
  method: 'zscore' | 'mad';
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

export interface SilenceRow {
  id: number;
  deployment_id: number;
  node_id: number | null;
  rule_id: number | null;
  ends_at: Date;
  comment: string;
  created_by: string | null;
  created_at: Date;
}

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

/** An alert row to insert, or the new state of an open one (`id` set). */
export type AlertChange = AlertWrite & { id?: string };

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
}

const RULE_SELECT = `
  SELECT r.id, r.deployment_id, r.name, r.method, r.threshold, r.window_minutes, r.for_seconds,
         r.keep_firing_for_seconds, r.min_samples, r.peer_group, r.enabled, r.evaluated_at,
         r.created_at,
         r.updated_at,
         COALESCE((SELECT array_agg(rr.receiver_id ORDER BY rr.receiver_id)
                   FROM alert_rule_receivers rr WHERE rr.rule_id = r.id), '{}') AS receiver_ids
  FROM alert_rules r`;

const ALERT_COLUMNS = `a.id, a.fingerprint, a.rule_id, a.rule_name, a.deployment_id, a.node_id,
  a.node_identifier, a.state, a.active_since, a.starts_at, a.ends_at, a.last_breach_at,
  a.deviation_score, a.metrics, a.updated_at`;

/** A silence that matches an alert of (deployment, rule, node) and has not ended. */
const SILENCE_MATCH = `s.deployment_id = a.deployment_id AND s.ends_at > now()
  AND (s.node_id IS NULL OR s.node_id = a.node_id) AND (s.rule_id IS NULL OR s.rule_id = a.rule_id)`;

/**
 * Owns the alerting tables: receivers, rules and their receivers, alerts, silences, deliveries
 * with their attempts, and the evaluation's running figures.
 */
@Injectable()
export class AlertingRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  // ---- receivers

  async insertReceiver(r: NewReceiver): Promise<ReceiverRow> {
    const rows: ReceiverRow[] = await this.dataSource.query(
      `INSERT INTO alert_receivers (name, type, url, secret, events) VALUES ($1, $2, $3, $4, $5)
       RETURNING *`,
      [r.name, r.type, r.url, r.secret, r.events],
    );
    return rows[0];
  }

  async listReceivers(): Promise<ReceiverRow[]> {
    return this.dataSource.query(`SELECT * FROM alert_receivers ORDER BY id`);
  }

  async findReceiver(id: number): Promise<ReceiverRow | null> {
    const rows: ReceiverRow[] = await this.dataSource.query(
      `SELECT * FROM alert_receivers WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async deleteReceiver(id: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `DELETE FROM alert_receivers WHERE id = $1 RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  /** The ids among `ids` that name receivers, locked against deletion until commit. */
  async lockReceivers(m: Queryable, ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows: { id: number }[] = await m.query(
      `SELECT id FROM alert_receivers WHERE id = ANY($1::int[]) FOR KEY SHARE`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  // ---- rules

  async insertRule(m: Queryable, deploymentId: number, f: RuleFields): Promise<number> {
    const rows: { id: number }[] = await m.query(
      `INSERT INTO alert_rules (deployment_id, name, method, threshold, window_minutes, for_seconds,
                                keep_firing_for_seconds, min_samples, enabled, peer_group)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [
        deploymentId,
        f.name,
        f.method,
        f.threshold,
        f.window_minutes,
        f.for_seconds,
        f.keep_firing_for_seconds,
        f.min_samples,
        f.enabled,
        f.peer_group,
      ],
    );
    return rows[0].id;
  }

  async updateRule(m: Queryable, id: number, f: RuleFields): Promise<void> {
    await m.query(
      `UPDATE alert_rules SET name = $2, method = $3, threshold = $4, window_minutes = $5,
              for_seconds = $6, keep_firing_for_seconds = $7, min_samples = $8, enabled = $9,
              peer_group = $10, updated_at = now()
       WHERE id = $1`,
      [
        id,
        f.name,
        f.method,
        f.threshold,
        f.window_minutes,
        f.for_seconds,
        f.keep_firing_for_seconds,
        f.min_samples,
        f.enabled,
        f.peer_group,
      ],
    );
  }

  async setRuleReceivers(m: Queryable, ruleId: number, receiverIds: number[]): Promise<void> {
    await m.query(`DELETE FROM alert_rule_receivers WHERE rule_id = $1`, [ruleId]);
    await m.query(
      `INSERT INTO alert_rule_receivers (rule_id, receiver_id)
       SELECT $1, unnest($2::int[]) ON CONFLICT DO NOTHING`,
      [ruleId, receiverIds],
    );
  }

  async listRules(deploymentId: number): Promise<RuleRow[]> {
    return this.dataSource.query(`${RULE_SELECT} WHERE r.deployment_id = $1 ORDER BY r.id`, [
      deploymentId,
    ]);
  }

  /** One rule of a deployment; with `m`, locked for a change until commit. */
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

  async markEvaluated(m: Queryable, ruleId: number, slot: number): Promise<void> {
    await m.query(
      `UPDATE alert_rules SET evaluated_slot = $2, evaluated_at = now() WHERE id = $1`,
      [ruleId, slot],
    );
  }

  async ruleReceivers(m: Queryable, ruleId: number): Promise<ReceiverRow[]> {
    return m.query(
      `SELECT x.* FROM alert_receivers x JOIN alert_rule_receivers rr ON rr.receiver_id = x.id
       WHERE rr.rule_id = $1 ORDER BY x.id`,
      [ruleId],
    );
  }

  // ---- alerts

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
      [
        rows.map((a) => a.fingerprint),
        rows.map((a) => a.rule_id),
        rows.map((a) => a.rule_name),
        rows.map((a) => a.deployment_id),
        rows.map((a) => a.node_id),
        rows.map((a) => a.node_identifier),
        rows.map((a) => a.state),
        rows.map((a) => a.active_since),
        rows.map((a) => a.starts_at),
        rows.map((a) => a.ends_at),
        rows.map((a) => a.last_breach_at),
        rows.map((a) => a.deviation_score),
        rows.map((a) => JSON.stringify(a.metrics)),
      ],
    );
    return new Map(got.map((r) => [r.node_id, String(r.id)]));
  }

  /** Open alerts that change state in one evaluation, in one statement. */
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
      [
        rows.map((a) => a.id),
        rows.map((a) => a.state),
        rows.map((a) => a.starts_at),
        rows.map((a) => a.ends_at),
        rows.map((a) => a.last_breach_at),
        rows.map((a) => a.deviation_score),
        rows.map((a) => JSON.stringify(a.metrics)),
        rows.map((a) => a.rule_name),
      ],
    );
  }

  /** Open alerts that stay in their state: last breach, score and metrics, in one statement. */
  async touchAlerts(
    m: Queryable,
    rows: { id: string; lastBreachAt: Date; deviationScore: number; metrics: object }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `UPDATE alerts a SET last_breach_at = u.at, deviation_score = u.score, metrics = u.metrics,
              updated_at = now()
       FROM unnest($1::bigint[], $2::timestamptz[], $3::float8[], $4::jsonb[])
            AS u(id, at, score, metrics)
       WHERE a.id = u.id`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.lastBreachAt),
        rows.map((r) => r.deviationScore),
        rows.map((r) => JSON.stringify(r.metrics)),
      ],
    );
  }

  /** Pending alerts that cleared (they leave no trace), in one statement. */
  async deleteAlerts(m: Queryable, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await m.query(`DELETE FROM alerts WHERE id = ANY($1::bigint[])`, [ids]);
  }

  /** Alerts newest first, with whether a silence covers them now. */
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
  async firingNodesByDeployment(): Promise<{ deployment_id: number; n: number }[]> {
    return this.dataSource.query(
      `SELECT deployment_id, count(DISTINCT node_id)::int AS n FROM alerts
       WHERE state = 'firing' GROUP BY deployment_id`,
    );
  }

  async alertCounts(): Promise<{ state: string; n: number }[]> {
    return this.dataSource.query(`SELECT state, count(*)::int AS n FROM alerts GROUP BY state`);
  }

  // ---- silences

  /** The nodes among `nodeIds` that a silence covers now for this rule of the deployment. */
  async silencedNodes(
    m: Queryable,
    a: { deploymentId: number; ruleId: number; nodeIds: number[] },
  ): Promise<Set<number>> {
    if (a.nodeIds.length === 0) return new Set();
    const rows: { node_id: number }[] = await m.query(
      `SELECT u.node_id FROM unnest($3::int[]) AS u(node_id)
       WHERE EXISTS (
         SELECT 1 FROM alert_silences s
         WHERE s.deployment_id = $1 AND s.ends_at > now()
           AND (s.node_id IS NULL OR s.node_id = u.node_id) AND (s.rule_id IS NULL OR s.rule_id = $2))`,
      [a.deploymentId, a.ruleId, a.nodeIds],
    );
    return new Set(rows.map((r) => r.node_id));
  }

  /** The deployments among `ids` that a deployment-wide silence (no node, no rule) covers now. */
  async silencedDeployments(m: Queryable, ids: number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows: { deployment_id: number }[] = await m.query(
      `SELECT DISTINCT deployment_id FROM alert_silences
       WHERE deployment_id = ANY($1::int[]) AND ends_at > now()
         AND node_id IS NULL AND rule_id IS NULL`,
      [ids],
    );
    return new Set(rows.map((r) => r.deployment_id));
  }

  async insertSilence(s: Omit<SilenceRow, 'id' | 'created_at'>): Promise<SilenceRow> {
    const rows: SilenceRow[] = await this.dataSource.query(
      `INSERT INTO alert_silences (deployment_id, node_id, rule_id, ends_at, comment, created_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [s.deployment_id, s.node_id, s.rule_id, s.ends_at, s.comment, s.created_by],
    );
    return rows[0];
  }

  async listSilences(deploymentId?: number): Promise<SilenceRow[]> {
    return this.dataSource.query(
      `SELECT * FROM alert_silences WHERE ($1::int IS NULL OR deployment_id = $1) ORDER BY id`,
      [deploymentId ?? null],
    );
  }

  async deleteSilence(id: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `DELETE FROM alert_silences WHERE id = $1 RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  // ---- deliveries

  /**
   * Stores notifications in one statement, each unless its dedupe key exists: returns the ids
   * this call created (a step or an event written twice notifies once).
   */
  async insertDeliveries(m: Queryable, rows: NewDelivery[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const got: { id: string }[] = await m.query(
      `INSERT INTO alert_deliveries (id, receiver_id, dedupe_key, alert_id, event_id, kind, status,
                                    body)
       SELECT * FROM unnest($1::uuid[], $2::int[], $3::varchar[], $4::bigint[], $5::bigint[],
                            $6::varchar[], $7::varchar[], $8::text[])
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      [
        rows.map((d) => d.id),
        rows.map((d) => d.receiverId),
        rows.map((d) => d.dedupeKey),
        rows.map((d) => d.alertId),
        rows.map((d) => d.eventId ?? null),
        rows.map((d) => d.kind),
        rows.map((d) => d.status),
        rows.map((d) => d.body),
      ],
    );
    return new Set(got.map((r) => r.id));
  }

  async outgoing(id: string): Promise<OutgoingDelivery | null> {
    const rows: OutgoingDelivery[] = await this.dataSource.query(
      `SELECT d.id, d.status, d.body, d.receiver_id, x.type AS receiver_type, x.url, x.secret
       FROM alert_deliveries d JOIN alert_receivers x ON x.id = d.receiver_id WHERE d.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** One attempt, and the delivery's status after it. */
  async recordAttempt(
    id: string,
    attempt: Omit<DeliveryAttemptRow, 'attempted_at'>,
    status: DeliveryStatus,
  ): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO alert_delivery_attempts (delivery_id, duration_ms, http_status, error,
                                              response_prefix)
         VALUES ($1, $2, $3, $4, $5)`,
        [id, attempt.duration_ms, attempt.http_status, attempt.error, attempt.response_prefix],
      );
      await m.query(
        `UPDATE alert_deliveries SET attempts = attempts + 1, status = $2::varchar,
                last_http_status = $3, last_error = $4,
                delivered_at = CASE WHEN $2::varchar = 'delivered' THEN now() END
         WHERE id = $1`,
        [id, status, attempt.http_status, attempt.error],
      );
    });
  }

  async listDeliveries(receiverId: number, status: string | undefined, limit: number) {
    const rows: DeliveryRow[] = await this.dataSource.query(
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
    return rows;
  }

  /** Puts a delivery of the receiver back to pending for one more send; false if none. */
  async markForRedelivery(receiverId: number, id: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE alert_deliveries SET status = 'pending' WHERE id = $1 AND receiver_id = $2
       RETURNING id`,
      [id, receiverId],
    );
    return rows.length > 0;
  }

  /** Pending deliveries created before `before`, whose job may never have been added. */
  async stalePending(before: Date, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM alert_deliveries WHERE status = 'pending' AND created_at < $1
       ORDER BY created_at LIMIT $2`,
      [before, limit],
    );
    return rows.map((r) => r.id);
  }

  async deliveryCounts(): Promise<{ status: string; n: number }[]> {
    return this.dataSource.query(
      `SELECT status, count(*)::int AS n FROM alert_deliveries GROUP BY status`,
    );
  }

  // ---- deployment events (the events table is the outbox)

  /**
   * The outbox position, locked until commit; null while another worker holds it (that worker
   * is turning the same events into deliveries, so this one has nothing to do).
   */
  async lockOutbox(m: Queryable): Promise<{ cursor: StreamCursor; prunedAt: Date | null } | null> {
    const rows: { xid: string; event_id: string; pruned_at: Date | null }[] = await m.query(
      `SELECT xid::text AS xid, event_id, pruned_at FROM alert_event_cursor WHERE id = 1
       FOR UPDATE SKIP LOCKED`,
    );
    if (rows.length === 0) return null;
    return {
      cursor: { xid: rows[0].xid, id: Number(rows[0].event_id) },
      prunedAt: rows[0].pruned_at,
    };
  }

  async advanceOutbox(m: Queryable, cursor: StreamCursor): Promise<void> {
    await m.query(`UPDATE alert_event_cursor SET xid = $1::xid8, event_id = $2 WHERE id = 1`, [
      cursor.xid,
      cursor.id,
    ]);
  }

  /** Receivers that subscribed to any of `types`. */
  async subscribedReceivers(m: Queryable, types: readonly string[]): Promise<ReceiverRow[]> {
    return m.query(`SELECT * FROM alert_receivers WHERE events && $1::text[] ORDER BY id`, [types]);
  }

  /**
   * Records every deployment's status as seen now, in one statement, and returns those whose
   * status changed since the last look (or that had none recorded) with the status before;
   * deployments no longer listed are forgotten. Each deployment recorded is held (KEY SHARE)
   * until commit, so a delete waits for the status and its event to commit first and then
   * removes the row (ON DELETE CASCADE); a deployment whose delete already holds its row is
   * skipped, so no status or event is ever written for a deployment being deleted.
   */
  async recordStatuses(
    m: Queryable,
    seen: { deploymentId: number; status: string }[],
  ): Promise<{ deployment_id: number; status: string; previous: string | null }[]> {
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

  // ---- retention

  /**
   * Deletes, set-based, the resolved alerts that ended before `cutoff`, the delivery attempts
   * made before it, and the deliveries created before it that are no longer pending (their
   * attempts with them), each in statements of at most `batch` rows; returns what went.
   */
  async prune(
    cutoff: Date,
    batch: number,
  ): Promise<{ alerts: number; deliveries: number; attempts: number }> {
    const drain = async (sql: string) => {
      let n = 0;
      for (;;) {
        const rows: { n: number }[] = await this.dataSource.query(sql, [cutoff, batch]);
        n += rows[0].n;
        if (rows[0].n < batch) return n;
      }
    };
    const alerts = await drain(
      `WITH gone AS (
         DELETE FROM alerts WHERE id IN (
           SELECT id FROM alerts WHERE state = 'resolved' AND ends_at < $1 LIMIT $2)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
    );
    const deliveries = await drain(
      `WITH gone AS (
         DELETE FROM alert_deliveries WHERE id IN (
           SELECT id FROM alert_deliveries WHERE created_at < $1 AND status <> 'pending' LIMIT $2)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
    );
    const attempts = await drain(
      `WITH gone AS (
         DELETE FROM alert_delivery_attempts WHERE id IN (
           SELECT id FROM alert_delivery_attempts WHERE attempted_at < $1 LIMIT $2)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
    );
    return { alerts, deliveries, attempts };
  }

  async markPruned(m: Queryable): Promise<void> {
    await m.query(`UPDATE alert_event_cursor SET pruned_at = now() WHERE id = 1`);
  }

  // ---- evaluation figures

  async recordEvaluation(seconds: number, rules: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE alert_evaluation_stats SET evaluations = evaluations + 1,
              seconds_total = seconds_total + $1, last_seconds = $1, last_rules = $2,
              last_at = now()
       WHERE id = 1`,
      [seconds, rules],
    );
  }

  async evaluationStats(): Promise<{
    evaluations: string;
    seconds_total: number;
    last_seconds: number;
    last_rules: number;
  } | null> {
    const rows = await this.dataSource.query(`SELECT * FROM alert_evaluation_stats WHERE id = 1`);
    return rows[0] ?? null;
  }
}
