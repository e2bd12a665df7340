import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Telemetry sources: a deployment's `telemetry` block (null: the simulator on every tick), each
 * node's `telemetry_status` (null: unknown, never polled) and the SNMP counters of each node's
 * last poll, which the next poll's deltas start from. The counters live in PostgreSQL so that
 * any worker can poll any shard and a restarted worker carries on without priming again.
 */
export class TelemetrySources1765130000000 implements MigrationInterface {
  name = 'TelemetrySources1765130000000';

  async up(q: QueryRunner): Promise<void> {
    // Nullable with no default: adding them rewrites nothing.
    await q.query(`ALTER TABLE deployments ADD COLUMN telemetry jsonb`);
    await q.query(`ALTER TABLE nodes ADD COLUMN telemetry_status varchar(16)`);
    await q.query(`
      CREATE TABLE snmp_counter_state (
        node_id integer PRIMARY KEY REFERENCES nodes (id) ON DELETE CASCADE,
        sys_uptime bigint NOT NULL,
        counters jsonb NOT NULL,
        polled_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE snmp_counter_state`);
    await q.query(`ALTER TABLE nodes DROP COLUMN telemetry_status`);
    await q.query(`ALTER TABLE deployments DROP COLUMN telemetry`);
  }
}
