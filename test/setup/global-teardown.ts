import { existsSync, readFileSync, rmSync } from 'node:fs';
import Redis from 'ioredis';
import { Client } from 'pg';
import { baseDatabaseUrl, TEST_STATE_FILE } from './test-env';

/** Drops the run's database and deletes every Redis key under its queue prefix. */
export default async function globalTeardown(): Promise<void> {
  if (!existsSync(TEST_STATE_FILE)) return;
  const { databaseUrl, queuePrefix } = JSON.parse(readFileSync(TEST_STATE_FILE, 'utf8')) as {
    databaseUrl: string;
    queuePrefix: string;
  };
  rmSync(TEST_STATE_FILE, { force: true });
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = new Client({ connectionString: baseDatabaseUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
