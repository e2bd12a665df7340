import { MigrationInterface, QueryRunner } from 'typeorm';

/** The event types receivers may subscribe to besides alerts (the outbox scan's index). */
const OUTBOX_TYPES = [
  'ROLLOUT_HALTED',
  'ROLLOUT_COMPLETED',
  'DEPLOYMENT_DEGRADED',
  'DEPLOYMENT_FAILED',
];

/**
 * Alerting, continued:
 * - `alert_rules.peer_group` (role | deployment), as the bottlenecks endpoint's query; `role`,
 *   that endpoint's default, is what every existing rule was evaluated with.
 * - Deployment events for receivers: the events table is the outbox. `alert_event_cursor` is
 *   the position (writing transaction, id) up to which the evaluation job has turned events of
 *   the subscribable types into deliveries; a partial index holds only those types, so the scan
 *   reads a few index pages however many STATE_CHANGE rows there are. It starts at this
 *   migration's transaction: older events are not notified.
 * - `alert_deployment_statuses`: each deployment's status as the evaluation job last saw it;
 *   a change into degraded or failed writes DEPLOYMENT_DEGRADED / DEPLOYMENT_FAILED. Filled
 *   here with the statuses of today, so existing deployments notify only on a later change.
 * - Deliveries of deployment events keep their event id; `kind` holds the event type.
 * - Retention: indexes that find resolved alerts and deliveries by age.
 */
export class AlertingDeploymentEvents1764261420000 implements MigrationInterface {
  name = 'AlertingDeploymentEvents1764261420000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE alert_rules ADD COLUMN peer_group varchar(12) NOT NULL DEFAULT 'role'
        CHECK (peer_group IN ('role', 'deployment'))`);
    await q.query(`ALTER TABLE alert_deliveries ALTER COLUMN kind TYPE varchar(32)`);
    await q.query(`ALTER TABLE alert_deliveries ADD COLUMN event_id bigint`);
    await q.query(`
      CREATE TABLE alert_event_cursor (
        id integer PRIMARY KEY CHECK (id = 1),
        xid xid8 NOT NULL,
        event_id bigint NOT NULL,
        -- when the retention last ran (the evaluation job prunes at most every few minutes)
        pruned_at timestamptz
      )`);
    await q.query(
      `INSERT INTO alert_event_cursor (id, xid, event_id) VALUES (1, pg_current_xact_id(), 0)`,
    );
    await q.query(
      `CREATE INDEX events_outbox_idx ON events (xid, id)
       WHERE type IN (${OUTBOX_TYPES.map((t) => `'${t}'`).join(', ')})`,
    );
    await q.query(`
      CREATE TABLE alert_deployment_statuses (
        deployment_id integer PRIMARY KEY,
        status varchar(12) NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The status rule of src/domain/deployment-status.ts over the kept per-state counts.
    await q.query(`
      INSERT INTO alert_deployment_statuses (deployment_id, status)
      SELECT d.id,
             CASE WHEN t.total = 0 THEN 'empty'
                  WHEN t.pending = t.total THEN 'pending'
                  WHEN t.running = t.total THEN 'running'
                  WHEN t.failed = t.total THEN 'failed'
                  WHEN t.running + t.failed = t.total THEN 'degraded'
                  ELSE 'in_progress' END
      FROM deployments d
      CROSS JOIN LATERAL (
        SELECT COALESCE(sum(pending + provisioning + configuring + running + failed), 0) AS total,
               COALESCE(sum(pending), 0) AS pending, COALESCE(sum(running), 0) AS running,
               COALESCE(sum(failed), 0) AS failed
        FROM node_state_counts c WHERE c.deployment_id = d.id) t`);
    await q.query(
      `CREATE INDEX alerts_resolved_ends_at ON alerts (ends_at) WHERE state = 'resolved'`,
    );
    await q.query(`CREATE INDEX alert_deliveries_created_at ON alert_deliveries (created_at)`);
    await q.query(
      `CREATE INDEX alert_delivery_attempts_attempted_at ON alert_delivery_attempts (attempted_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX alert_delivery_attempts_attempted_at`);
    await q.query(`DROP INDEX alert_deliveries_created_at`);
    await q.query(`DROP INDEX alerts_resolved_ends_at`);
    await q.query(`DROP TABLE alert_deployment_statuses`);
    await q.query(`DROP INDEX events_outbox_idx`);
    await q.query(`DROP TABLE alert_event_cursor`);
    await q.query(`ALTER TABLE alert_deliveries DROP COLUMN event_id`);
    await q.query(`DELETE FROM alert_deliveries WHERE length(kind) > 16`);
    await q.query(`ALTER TABLE alert_deliveries ALTER COLUMN kind TYPE varchar(16)`);
    await q.query(`ALTER TABLE alert_rules DROP COLUMN peer_group`);
  }
}
