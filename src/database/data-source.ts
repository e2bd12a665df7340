import { join } from 'node:path';
import { types } from 'pg';
import { DataSourceOptions } from 'typeorm';

// Sample ids are bigint; they stay far below 2^53, so JSON gets numbers as the contract says.
types.setTypeParser(types.builtins.INT8, (value) => Number(value));

export const MIGRATIONS_TABLE = 'schema_migrations';

/** One definition of the connection for the app, the migration runner and the TypeORM CLI. */
export function dataSourceOptions(databaseUrl: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: [join(__dirname, '..', '**', '*.entity.{ts,js}')],
    migrations: [join(__dirname, 'migrations', '*.{ts,js}')],
    migrationsTableName: MIGRATIONS_TABLE,
    synchronize: false,
    migrationsRun: false,
    applicationName: 'netorch',
    poolSize,
    extra: { connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000 },
  };
}

/** The URL with any password replaced, for log lines and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
