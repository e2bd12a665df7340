import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drivers: a deployment's provisioning (which driver moves its nodes through PROVISIONING and
 * CONFIGURING; no row is the simulator), the runs a driver was given (recorded before they are
 * started or sent), and on each node the run it waits for.
 */
export class DriverRuns1765110000000 implements MigrationInterface {
  name = 'DriverRuns1765110000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deployment_provisioning (
        deployment_id integer PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
        config jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE driver_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        deployment_id integer NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
        driver varchar(16) NOT NULL,
        phase varchar(16) NOT NULL,
        config jsonb NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'running',
        node_ids integer[] NOT NULL,
        nodes integer NOT NULL,
        succeeded integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        callback_token_hash bytea,
        attempts integer NOT NULL DEFAULT 0,
        started_at timestamptz NOT NULL DEFAULT now(),
        submitted_at timestamptz,
        deadline timestamptz NOT NULL,
        finished_at timestamptz,
        output_tail text
      )`);
    await q.query(
      `CREATE INDEX driver_runs_deployment_idx ON driver_runs (deployment_id, started_at DESC, id)`,
    );
    await q.query(
      `CREATE INDEX driver_runs_running_idx ON driver_runs (deadline) WHERE status = 'running'`,
    );
    await q.query(`ALTER TABLE nodes ADD COLUMN driver_run_id uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE nodes DROP COLUMN driver_run_id`);
    await q.query(`DROP TABLE driver_runs`);
    await q.query(`DROP TABLE deployment_provisioning`);
  }
}
