import { Client } from 'pg';
import { deleteQueuePrefix } from '../support/queues';
import { baseDatabaseUrl, RUN_DATABASE_URL, RUN_QUEUE_PREFIX } from './test-env';

/** Drops the run's database and deletes every Redis key under its queue prefix. */
export default async function globalTeardown(): Promise<void> {
  const databaseUrl = process.env[RUN_DATABASE_URL];
  const queuePrefix = process.env[RUN_QUEUE_PREFIX];
  if (!databaseUrl || !queuePrefix) return;
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = new Client({ connectionString: baseDatabaseUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  await deleteQueuePrefix(queuePrefix);
}
