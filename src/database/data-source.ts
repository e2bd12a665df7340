import { join } from 'node:path';
import { types } from 'pg';
import { DataSourceOptions } from 'typeorm';

// Sample ids are bigint; they stay far below 2^53, so JSON gets numbers as the contract says.
types.setTypeParser(types.builtins.INT8, (value) => Number(value));

export const MIGRATIONS_TABLE = 'schema_migrations';

export { redactUrl } from '../config/redact';

/**
 * One definition of the connection for the app, the migration runner and the TypeORM CLI.
 * statementTimeoutMs is PostgreSQL's statement_timeout for every statement of the pool (0 =
 * none): the service's pool has one, migrations and the CLI do not.
 */
export function dataSourceOptions(
  databaseUrl: string,
  poolSize = 10,
  statementTimeoutMs = 0,
): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    // No entities: every table is read and written in SQL as snake_case rows (store/*-row.ts);
    // TypeORM holds the connection pool, the transactions and the migrations.
    entities: [],
    migrations: [join(__dirname, 'migrations', '*.{ts,js}')],
    migrationsTableName: MIGRATIONS_TABLE,
    synchronize: false,
    migrationsRun: false,
    applicationName: 'netorch',
    poolSize,
    extra: {
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
      // TCP keepalive: a connection whose peer vanished (failover, dropped NAT entry) errors
      // instead of hanging a query for ever.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      // Sent at connect, so it costs no round trip; a statement over it fails with 57014.
      ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
    },
  };
}
