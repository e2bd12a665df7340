import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail outlives what it describes: deleting a deployment (by the API, which also
 * writes a DEPLOYMENT_DELETED event in the same transaction, or by hand) removes its nodes but
 * keeps its events, which `GET /events?deployment_id=` still reads. Events go only by age
 * (EVENT_RETENTION_DAYS), deleted in batches by a recurring maintenance job that finds them
 * through a BRIN index on created_at: events are appended in time order, so the index is a few
 * pages, costs next to nothing per insert, and lets a run that finds nothing to delete skip the
 * table instead of scanning it.
 */
export class EventsOutliveDeployments1764261000000 implements MigrationInterface {
  name = 'EventsOutliveDeployments1764261000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION deployments_cascade_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM nodes WHERE deployment_id = OLD.id;
        RETURN OLD;
      END $$`);
    await q.query(`CREATE INDEX events_created_at_brin_idx ON events USING brin (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX events_created_at_brin_idx`);
    // As migration 1764250700000 left it: events go with their deployment (orphans first).
    await q.query(
      `DELETE FROM events e WHERE NOT EXISTS (SELECT 1 FROM deployments d WHERE d.id = e.deployment_id)`,
    );
    await q.query(`
      CREATE OR REPLACE FUNCTION deployments_cascade_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM nodes WHERE deployment_id = OLD.id;
        DELETE FROM events WHERE deployment_id = OLD.id;
        RETURN OLD;
      END $$`);
  }
}
