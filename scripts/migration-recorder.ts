import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A migration as the database would see it: the SQL its up() and down() send, in order. */
export interface RecordedMigration {
  name: string;
  /** False when the migration opts out of its transaction (CREATE INDEX CONCURRENTLY needs it). */
  transaction: boolean;
  up: string[];
  down: string[];
}

/**
 * Runs up() and down() against a query runner that only writes down each statement. Our
 * migrations send SQL strings through query() and never read what it returns, so the record is
 * exactly the SQL they run, however the strings are built.
 */
export async function recordMigration(migration: MigrationInterface): Promise<RecordedMigration> {
  const record = async (step: 'up' | 'down') => {
    const statements: string[] = [];
    const runner = {
      query: async (sql: string) => {
        statements.push(sql);
        return [];
      },
    } as unknown as QueryRunner;
    await migration[step](runner);
    return statements;
  };
  return {
    name: migration.name ?? migration.constructor.name,
    transaction: migration.transaction !== false,
    up: await record('up'),
    down: await record('down'),
  };
}
