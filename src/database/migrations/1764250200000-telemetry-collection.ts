import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per collected (deployment, shard, tick), written in the transaction that stores the
 * shard's samples: a shard job that runs again (a retry, a stalled job picked up by another
 * worker after its first run committed) finds its row and writes nothing, so a node never gets
 * two samples for one tick. Rows are purged by the partition maintenance job.
 */
export class TelemetryCollection1764250200000 implements MigrationInterface {
  name = 'TelemetryCollection1764250200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE telemetry_shard_ticks (
        tick_at timestamptz NOT NULL,
        deployment_id integer NOT NULL,
        shard integer NOT NULL,
        nodes integer NOT NULL,
        PRIMARY KEY (tick_at, deployment_id, shard)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE telemetry_shard_ticks`);
  }
}
