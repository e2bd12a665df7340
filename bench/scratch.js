// Shared by the benchmarks: command-line figures, medians, free ports, and clearing what a run
// leaves in Redis.
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

/** The number given as `--name N` on the command line, or `fallback`. */
function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The median of a list of numbers. */
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A TCP port on 127.0.0.1 that nothing listens on now. */
async function freePort() {
  const { createServer } = require('node:net');
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

module.exports = { arg, clearQueueKeys, freePort, median };
