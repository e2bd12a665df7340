import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alerting: receivers, rules over a deployment's bottleneck detection, the alerts they raise
 * per (rule, node), silences, and one delivery row per notification with its attempts.
 * Rules and alerts keep deployment and node ids without foreign keys: the evaluation notices a
 * deployment or node that is gone and resolves its alerts itself.
 */
export class Alerting1764261200000 implements MigrationInterface {
  name = 'Alerting1764261200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alert_receivers (
        id serial PRIMARY KEY,
        name varchar(100) NOT NULL,
        type varchar(16) NOT NULL CHECK (type IN ('webhook', 'alertmanager')),
        url varchar(2048) NOT NULL,
        secret varchar(256),
        events text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE alert_rules (
        id serial PRIMARY KEY,
        deployment_id integer NOT NULL,
        name varchar(100) NOT NULL,
        method varchar(8) NOT NULL CHECK (method IN ('zscore', 'mad')),
        threshold double precision NOT NULL,
        window_minutes integer NOT NULL CHECK (window_minutes BETWEEN 1 AND 60),
        for_seconds integer NOT NULL CHECK (for_seconds >= 0),
        keep_firing_for_seconds integer NOT NULL CHECK (keep_firing_for_seconds >= 0),
        min_samples integer NOT NULL CHECK (min_samples >= 1),
        enabled boolean NOT NULL DEFAULT true,
        -- The last evaluation interval (epoch ms / interval) this rule was evaluated in.
        evaluated_slot bigint NOT NULL DEFAULT 0,
        evaluated_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX alert_rules_deployment ON alert_rules (deployment_id)`);
    await q.query(`
      CREATE TABLE alert_rule_receivers (
        rule_id integer NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
        receiver_id integer NOT NULL REFERENCES alert_receivers (id) ON DELETE CASCADE,
        PRIMARY KEY (rule_id, receiver_id)
      )`);
    await q.query(
      `CREATE INDEX alert_rule_receivers_receiver ON alert_rule_receivers (receiver_id)`,
    );
    await q.query(`
      CREATE TABLE alerts (
        id bigserial PRIMARY KEY,
        fingerprint char(16) NOT NULL,
        rule_id integer NOT NULL,
        rule_name varchar(100) NOT NULL,
        deployment_id integer NOT NULL,
        node_id integer NOT NULL,
        node_identifier varchar(64) NOT NULL,
        state varchar(10) NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
        active_since timestamptz NOT NULL,
        starts_at timestamptz,
        ends_at timestamptz,
        last_breach_at timestamptz NOT NULL,
        deviation_score double precision NOT NULL,
        metrics jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One open alert per (rule, node); resolved ones stay as history.
    await q.query(
      `CREATE UNIQUE INDEX alerts_open ON alerts (rule_id, node_id) WHERE state <> 'resolved'`,
    );
    await q.query(`CREATE INDEX alerts_deployment ON alerts (deployment_id, id)`);
    await q.query(`CREATE INDEX alerts_state ON alerts (state, id) WHERE state <> 'resolved'`);
    await q.query(`
      CREATE TABLE alert_silences (
        id serial PRIMARY KEY,
        deployment_id integer NOT NULL,
        node_id integer,
        rule_id integer,
        ends_at timestamptz NOT NULL,
        comment varchar(1000) NOT NULL,
        created_by varchar(64),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX alert_silences_deployment ON alert_silences (deployment_id)`);
    await q.query(`
      CREATE TABLE alert_deliveries (
        id uuid PRIMARY KEY,
        receiver_id integer NOT NULL REFERENCES alert_receivers (id) ON DELETE CASCADE,
        -- One notification per state change per alert per receiver.
        dedupe_key varchar(200) NOT NULL UNIQUE,
        alert_id bigint,
        kind varchar(16) NOT NULL,
        status varchar(12) NOT NULL
          CHECK (status IN ('pending', 'delivered', 'failed', 'silenced')),
        body text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        last_http_status integer,
        last_error varchar(500),
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX alert_deliveries_receiver ON alert_deliveries (receiver_id, created_at)`,
    );
    await q.query(
      `CREATE INDEX alert_deliveries_pending ON alert_deliveries (created_at) WHERE status = 'pending'`,
    );
    await q.query(`
      CREATE TABLE alert_delivery_attempts (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES alert_deliveries (id) ON DELETE CASCADE,
        attempted_at timestamptz NOT NULL DEFAULT now(),
        duration_ms integer NOT NULL,
        http_status integer,
        error varchar(500),
        response_prefix varchar(512)
      )`);
    await q.query(
      `CREATE INDEX alert_delivery_attempts_delivery ON alert_delivery_attempts (delivery_id, id)`,
    );
    await q.query(`
      CREATE TABLE alert_evaluation_stats (
        id integer PRIMARY KEY CHECK (id = 1),
        evaluations bigint NOT NULL DEFAULT 0,
        seconds_total double precision NOT NULL DEFAULT 0,
        last_seconds double precision NOT NULL DEFAULT 0,
        last_rules integer NOT NULL DEFAULT 0,
        last_at timestamptz
      )`);
    await q.query(`INSERT INTO alert_evaluation_stats (id) VALUES (1)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE alert_evaluation_stats`);
    await q.query(`DROP TABLE alert_delivery_attempts`);
    await q.query(`DROP TABLE alert_deliveries`);
    await q.query(`DROP TABLE alert_silences`);
    await q.query(`DROP TABLE alerts`);
    await q.query(`DROP TABLE alert_rule_receivers`);
    await q.query(`DROP TABLE alert_rules`);
    await q.query(`DROP TABLE alert_receivers`);
  }
}
