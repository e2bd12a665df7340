// Shared by the benchmarks: what a run leaves in Redis goes with it.
const Redis = require('ioredis');

/** Deletes every Redis key under a run's queue prefix. */
async function clearQueueKeys(prefix, redisUrl = 'redis://127.0.0.1:6379') {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

module.exports = { clearQueueKeys };
