import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { baseDatabaseUrl, TEST_STATE_FILE, uniqueSuffix } from './test-env';

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
  mkdirSync(dirname(TEST_STATE_FILE), { recursive: true });
  writeFileSync(
    TEST_STATE_FILE,
    JSON.stringify({
      databaseUrl: process.env.DATABASE_URL,
      queuePrefix: process.env.QUEUE_PREFIX,
    }),
  );
}
