import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { retryUntilReady } from './retry';
import { dataSourceOptions, redactUrl } from './data-source';

// Any constant works; every process of this service takes the same one around migrations.
const MIGRATION_LOCK_KEY = 7_246_110_301;

function errorText(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e.code ? `${e.code}: ${e.message}` : String(e.message ?? error);
}

async function createDatabaseIfMissing(databaseUrl: string, logger: Logger): Promise<void> {
  const target = new URL(databaseUrl);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
        logger.log(`Created database ${name}`);
      } catch (error) {
        // Another process created it between our check and our CREATE: duplicate_database, or
        // a unique violation on pg_database's name index when both CREATEs ran at once.
        const code = (error as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

/**
 * Waits for PostgreSQL (saying where and how to get one), creates the database if it is
 * missing and applies pending migrations under an advisory lock, so that any number of
 * processes may start at once.
 */
export async function prepareDatabase(databaseUrl: string, logger = new Logger('Database')) {
  await retryUntilReady(
    () => createDatabaseIfMissing(databaseUrl, logger),
    (error, wait) =>
      logger.error(
        `PostgreSQL is not reachable at ${redactUrl(databaseUrl)} (${errorText(error)}). ` +
          `Start one with \`docker compose up -d postgres redis\` or set DATABASE_URL; retrying in ${wait} ms`,
      ),
  );
  const dataSource = new DataSource(dataSourceOptions(databaseUrl, 2));
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) {
      logger.log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
    }
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    await runner.release();
    await dataSource.destroy();
  }
}
