import { Logger } from '@nestjs/common';
import type { RedisOptions } from 'bullmq';
import Redis from 'ioredis';
import { retryUntilReady } from '../database/retry';
import { redactUrl } from '../config/redact';

/** TCP keepalive probes start after this much idle time, so a dead peer is noticed. */
const KEEPALIVE_MS = 10_000;

/**
 * ioredis options from a redis:// or rediss:// URL for BullMQ. BullMQ requires
 * maxRetriesPerRequest null for its workers' blocking connections (it forces it on them), and
 * its queues keep ioredis's offline queue so they ride out a Redis restart; API calls that add
 * jobs bound their own wait instead (JobEnqueueService).
 */
export function redisOptions(url: string): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
    keepAlive: KEEPALIVE_MS,
    // Reconnect for ever: Redis may restart under a running service.
    retryStrategy: (times: number) => Math.min(times * 200, 5000),
  };
}

/**
 * Options for the service's own clients (not BullMQ's): nothing waits for a reconnect. With no
 * offline queue a command fails at once while Redis is away, and one that Redis does not
 * answer within commandTimeoutMs fails too, so no request ever hangs on Redis.
 */
export function plainRedisOptions(url: string, commandTimeoutMs = 1000): RedisOptions {
  return {
    ...redisOptions(url),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 3000,
  };
}

/** Waits until Redis answers PING, saying where and how to get one meanwhile. */
export async function waitForRedis(url: string, logger = new Logger('Redis')): Promise<void> {
  await retryUntilReady(
    async () => {
      const client = new Redis({
        ...redisOptions(url),
        lazyConnect: true,
        retryStrategy: () => null,
        connectTimeout: 3000,
      });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.ping();
      } finally {
        client.disconnect();
      }
    },
    (error, wait) =>
      logger.error(
        `Redis is not reachable at ${redactUrl(url)} (${(error as Error).message}). ` +
          `Start one with \`docker compose up -d postgres redis\` or set REDIS_URL; retrying in ${wait} ms`,
      ),
  );
}
