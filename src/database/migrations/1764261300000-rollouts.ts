import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rollout strategies: one row per deployment created with a strategy. Waves are runs of node
 * numbers (`wave_ends` holds the last node number of each), so a node's wave follows from its
 * number and the nodes table needs no column for it. A node of a wave not started yet is
 * PENDING with no `next_step_at`: no worker's claim can see it, so no wave starts early.
 */
export class Rollouts1764261300000 implements MigrationInterface {
  name = 'Rollouts1764261300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rollouts (
        deployment_id integer PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
        strategy jsonb NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'running',
        wave integer NOT NULL DEFAULT 0,
        wave_ends integer[] NOT NULL,
        wave_started_at timestamptz NOT NULL DEFAULT now(),
        -- set when every node of the current wave is RUNNING or FAILED: the pause and soak start
        wave_ended_at timestamptz,
        -- waves up to this one passed by an operator's resume: their budget and gate are not checked again
        override_wave integer NOT NULL DEFAULT -1,
        halted_reason text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rollouts`);
  }
}
