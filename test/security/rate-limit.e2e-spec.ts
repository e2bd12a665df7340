import Redis from 'ioredis';
import { expectError } from '../support/errors';
import { PUBLIC_PATHS } from '../support/public-paths';
import { PrivateRedis, startPrivateRedis } from '../support/redis-server';
import { freePort, Service, startService } from '../support/service';

const KEYS =
  'rl-busy:rl-busy-secret:rw,rl-calm:rl-calm-secret:ro,rl-burst:rl-burst-secret:ro,' +
  'rl-shared:rl-shared-secret:ro,rl-lean:rl-lean-secret:ro';
const running: Service[] = [];

async function start(env: Record<string, string>): Promise<Service> {
  const service = await startService({ APP_ROLE: 'api', API_KEYS: KEYS, ...env });
  running.push(service);
  return service;
}

afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

describe('per-minute limit', () => {
  let api: Service;
  beforeAll(async () => {
    api = await start({ RATE_LIMIT_PER_MINUTE: '5', RATE_LIMIT_BURST: '0' });
  });

  it('answers 429 with Retry-After past the limit, and leaves other keys alone', async () => {
    const get = (key: string) => api.http.get('/deployments').set('X-API-Key', key);
    for (let i = 0; i < 5; i++) expect((await get('rl-busy-secret')).status).toBe(200);
    const refused = await get('rl-busy-secret');
    expect(refused.status).toBe(429);
    expectError(refused.body, 429, /API key "rl-busy" \(at most 5 requests per minute\)/);
    expect(refused.body.error).toBe('Too Many Requests');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers['x-ratelimit-limit']).toBe('5');
    // Writes are refused as well, before their body is read.
    const write = await api.http
      .post('/deployments')
      .set('X-API-Key', 'rl-busy-secret')
      .send({ name: 'x', target_node_count: 1 });
    expect(write.status).toBe(429);
    // Another key has its own allowance.
    expect((await get('rl-calm-secret')).status).toBe(200);
  });

  it('never limits the probes, metrics and dashboard files', async () => {
    for (const path of PUBLIC_PATHS) {
      const res = await api.http.get(path).set('X-API-Key', 'rl-busy-secret');
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }
  });

  it('counts unknown keys by client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7 && !statuses.includes(429); i++) {
      statuses.push((await api.http.get('/deployments').set('X-API-Key', `guess-${i}`)).status);
    }
    // The address may have spent some of its allowance on earlier tests of this run.
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
  });

  it('keeps its counters in Redis under the queue prefix', async () => {
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const key = `${process.env.QUEUE_PREFIX}:ratelimit:minute:key:rl-busy`;
      expect(Number(await redis.get(key))).toBeGreaterThanOrEqual(5);
      // The window started with the key's first request and ends with its expiry.
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      redis.disconnect();
    }
  });
});

describe('shared by replicas', () => {
  const LIMIT = 300;
  let replicas: Service[];
  let counters: PrivateRedis;
  beforeAll(async () => {
    // The counters in a Redis of this test's own, so its commandstats count these replicas only.
    counters = await startPrivateRedis(await freePort());
    const env = {
      RATE_LIMIT_PER_MINUTE: String(LIMIT),
      RATE_LIMIT_BURST: '0',
      RATE_LIMIT_REDIS_URL: counters.url,
    };
    replicas = await Promise.all([start(env), start(env)]);
  });
  afterAll(async () => {
    await Promise.all(replicas.map((s) => s.stop()));
    await counters.stop();
  });

  it('lets a client through at most its limit across replicas, and not much less', async () => {
    const statuses: number[] = [];
    // Both replicas at once, 10 requests in flight on each, until well past the limit.
    await Promise.all(
      replicas.map(async (api) => {
        for (let round = 0; round < 25; round++) {
          const answers = await Promise.all(
            Array.from({ length: 10 }, () =>
              api.http.get('/deployments').set('X-API-Key', 'rl-shared-secret'),
            ),
          );
          statuses.push(...answers.map((r) => r.status));
        }
      }),
    );
    const allowed = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(allowed).toBeLessThanOrEqual(LIMIT);
    // Each replica may leave at most one slice (LIMIT / 50) of its last lease unspent.
    expect(allowed).toBeGreaterThanOrEqual(LIMIT - 2 * (LIMIT / 50));
  });

  it('costs one Redis round trip per slice, not one per request', async () => {
    const calls = async () => {
      const info = await counters.client.info('commandstats');
      return [...info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    };
    const before = await calls();
    for (let i = 0; i < 20; i++) {
      await Promise.all(
        Array.from({ length: 5 }, () =>
          replicas[0].http.get('/deployments').set('X-API-Key', 'rl-lean-secret'),
        ),
      );
    }
    // 100 requests under a slice of 6 (300 / 50): 17 leases, a few more when requests in flight
    // find the slice spent together; one per request without slices.
    const leases = (await calls()) - before;
    expect(leases).toBeGreaterThanOrEqual(17);
    expect(leases).toBeLessThanOrEqual(25);
  });
});

describe('burst limit', () => {
  it('refuses more than RATE_LIMIT_BURST requests within one second', async () => {
    const api = await start({ RATE_LIMIT_PER_MINUTE: '100000', RATE_LIMIT_BURST: '3' });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.http.get('/deployments').set('X-API-Key', 'rl-burst-secret'),
      ),
    );
    const refused = responses.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(responses.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    expectError(refused[0].body, 429, /at most 3 requests per second/);
    expect(refused[0].headers['retry-after']).toBe('1');
  });
});

describe('without Redis for the counters', () => {
  it('lets requests through instead of failing them', async () => {
    const closed = await freePort();
    const api = await start({
      RATE_LIMIT_PER_MINUTE: '1',
      RATE_LIMIT_REDIS_URL: `redis://127.0.0.1:${closed}`,
    });
    for (let i = 0; i < 4; i++) {
      const res = await api.http.get('/deployments').set('X-API-Key', 'rl-calm-secret');
      expect(res.status).toBe(200);
    }
    expect(api.logs()).toMatch(/Rate limits are not enforced/);
  });
});
