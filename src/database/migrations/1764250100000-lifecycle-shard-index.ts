import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shards are node-number ranges of a deployment: claiming a shard's due nodes walks this index
 * over at most one shard of non-terminal rows instead of every due node of the deployment. It
 * replaces nodes_due_idx: every transition rewrites each index of its row, so one schedule index
 * is cheaper than two.
 */
export class LifecycleShardIndex1764250100000 implements MigrationInterface {
  name = 'LifecycleShardIndex1764250100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX nodes_shard_due_idx ON nodes (deployment_id, seq)
       INCLUDE (state, next_step_at) WHERE next_step_at IS NOT NULL`,
    );
    await q.query(`DROP INDEX IF EXISTS nodes_due_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX nodes_due_idx ON nodes (deployment_id, next_step_at) WHERE next_step_at IS NOT NULL`,
    );
    await q.query(`DROP INDEX nodes_shard_due_idx`);
  }
}
