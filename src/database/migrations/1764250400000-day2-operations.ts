import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Day-2 operations: stored responses for Idempotency-Key, and the writing transaction's id on
 * every event so the live stream can tell which rows no running transaction can precede.
 */
export class Day2Operations1764250400000 implements MigrationInterface {
  name = 'Day2Operations1764250400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        key varchar(255) PRIMARY KEY,
        fingerprint char(64) NOT NULL,
        method varchar(8) NOT NULL,
        path text NOT NULL,
        status_code integer,
        -- json, not jsonb: a replay returns the first body byte for byte, key order included.
        response_body json,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at)`);
    // Event ids are handed out before commit, so id order is not commit order; the top-level
    // transaction id lets the stream wait for every transaction that could still commit earlier.
    await q.query(`ALTER TABLE events ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id()`);
    await q.query(`CREATE INDEX events_deployment_xid_idx ON events (deployment_id, xid, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX events_deployment_xid_idx`);
    await q.query(`ALTER TABLE events DROP COLUMN xid`);
    await q.query(`DROP TABLE idempotency_keys`);
  }
}
