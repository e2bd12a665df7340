import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A deployment's recorded status goes with the deployment: `alert_deployment_statuses`
 * references `deployments` with ON DELETE CASCADE, so a delete leaves no row of it behind.
 * Rows of deployments already gone are removed first.
 */
export class AlertStatusesCascade1764261430000 implements MigrationInterface {
  name = 'AlertStatusesCascade1764261430000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM alert_deployment_statuses s
      WHERE NOT EXISTS (SELECT 1 FROM deployments d WHERE d.id = s.deployment_id)`);
    await q.query(`
      ALTER TABLE alert_deployment_statuses
        ADD CONSTRAINT alert_deployment_statuses_deployment_fk
        FOREIGN KEY (deployment_id) REFERENCES deployments (id) ON DELETE CASCADE`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE alert_deployment_statuses DROP CONSTRAINT alert_deployment_statuses_deployment_fk`,
    );
  }
}
