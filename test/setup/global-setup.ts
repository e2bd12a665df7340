import { baseDatabaseUrl, RUN_DATABASE_URL, RUN_QUEUE_PREFIX, uniqueSuffix } from './test-env';

/**
 * Every e2e run gets its own database and queue prefix, so runs never see each other's rows or
 * jobs; the service itself creates the database and applies migrations, as in production.
 */
export default function globalSetup(): void {
  const suffix = uniqueSuffix();
  const url = new URL(baseDatabaseUrl());
  url.pathname = `/netorch_test_${suffix}`;
  process.env.DATABASE_URL = url.toString();
  process.env.QUEUE_PREFIX = `netorch_test_${suffix}`;
  process.env.REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';
  // Teardown runs in this process and must clean up exactly this run, whatever runs beside it.
  process.env[RUN_DATABASE_URL] = process.env.DATABASE_URL;
  process.env[RUN_QUEUE_PREFIX] = process.env.QUEUE_PREFIX;
}
