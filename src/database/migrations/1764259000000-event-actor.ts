import { MigrationInterface, QueryRunner } from 'typeorm';

/** Every audit event names who made the change: the API key's name (null for the workers). */
export class EventActor1764259000000 implements MigrationInterface {
  name = 'EventActor1764259000000';

  async up(q: QueryRunner): Promise<void> {
    // Nullable with no default: adding it rewrites nothing.
    await q.query(`ALTER TABLE events ADD COLUMN actor varchar(64)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE events DROP COLUMN actor`);
  }
}
