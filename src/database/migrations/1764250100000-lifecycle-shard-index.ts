import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shards are node-number ranges of a deployment: claiming a shard's due nodes walks this index
 * over at most one shard of non-terminal rows instead of every due node of the deployment.
 */
export class LifecycleShardIndex1764250100000 implements MigrationInterface {
  name = 'LifecycleShardIndex1764250100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX nodes_shard_due_idx ON nodes (deployment_id, seq)
       INCLUDE (state, next_step_at) WHERE next_step_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX nodes_shard_due_idx`);
  }
}
