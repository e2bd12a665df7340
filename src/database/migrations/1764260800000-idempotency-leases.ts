import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency-Key claims become leases, scoped to the caller's API key.
 *
 * - `scope` is the name of the API key that sent the request ('' while the API is open), and
 *   joins the primary key: the same Idempotency-Key from two keys names two requests.
 * - `claim_token` identifies the request that holds a claim, so only that request completes,
 *   renews or releases it, never one whose claim was taken over.
 * - `lease_expires_at` is renewed while the request runs and cleared when it completes; an
 *   uncompleted claim past it belongs to a request that died and may be taken over.
 */
export class IdempotencyLeases1764260800000 implements MigrationInterface {
  name = 'IdempotencyLeases1764260800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_keys ADD COLUMN scope varchar(64) NOT NULL DEFAULT ''`);
    await q.query(`ALTER TABLE idempotency_keys ADD COLUMN claim_token uuid`);
    await q.query(`ALTER TABLE idempotency_keys ADD COLUMN lease_expires_at timestamptz`);
    await q.query(`ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey`);
    await q.query(`ALTER TABLE idempotency_keys ADD PRIMARY KEY (scope, key)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Keys are global again: keep one row per key, a completed one first.
    await q.query(`
      DELETE FROM idempotency_keys a USING idempotency_keys b
      WHERE a.key = b.key AND a.ctid <> b.ctid
        AND (a.status_code IS NULL, a.created_at, a.ctid) > (b.status_code IS NULL, b.created_at, b.ctid)`);
    await q.query(`ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey`);
    await q.query(`ALTER TABLE idempotency_keys ADD PRIMARY KEY (key)`);
    await q.query(`ALTER TABLE idempotency_keys DROP COLUMN lease_expires_at`);
    await q.query(`ALTER TABLE idempotency_keys DROP COLUMN claim_token`);
    await q.query(`ALTER TABLE idempotency_keys DROP COLUMN scope`);
  }
}
