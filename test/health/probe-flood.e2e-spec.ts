import { Client } from 'pg';
import { baseDatabaseUrl } from '../setup/test-env';
import { freePort, Service, startService } from '../support/service';
import { PrivateRedis, startPrivateRedis } from '../support/redis-server';

const ROUTES = ['/health', '/health/ready', '/metrics'];
const REQUESTS = 5000;
/** The flood's pace: 5,000 requests in no less than 5 s. */
const PER_100_MS = 100;
const CONCURRENCY = 32;
/** A build that answers slowly still ends the flood here (the rate is per elapsed second). */
const FLOOD_LIMIT_MS = 30_000;
/** Redis commands the probes and the scrape read with: job counts, worker counts, stats. */
const PROBE_COMMANDS = ['evalsha', 'eval', 'client|list', 'hgetall'];
/** Reads per second a flood may cost at most (one snapshot read per 2 s is well below). */
const MAX_PER_SECOND = 10;

/** Calls per command since the Redis started. */
async function commandCalls(redis: PrivateRedis): Promise<Map<string, number>> {
  const info = await redis.client.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) {
    calls.set(match[1], Number(match[2]));
  }
  return calls;
}

/** Transactions committed in this run's database; PostgreSQL publishes them within ~1 s. */
async function committed(admin: Client): Promise<number> {
  const name = new URL(process.env.DATABASE_URL!).pathname.slice(1);
  await admin.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await admin.query(
    'SELECT xact_commit::bigint AS n FROM pg_stat_database WHERE datname = $1',
    [name],
  );
  return Number(rows[0].n);
}

/** The figure once PostgreSQL's statistics stop moving (backends flush them when idle). */
async function settledCommitted(admin: Client): Promise<number> {
  let last = await committed(admin);
  for (let i = 0; i < 15; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await committed(admin);
    if (now === last) return now;
    last = now;
  }
  return last;
}

/** Sends REQUESTS GETs round-robin over ROUTES, paced and with bounded concurrency. */
async function flood(url: string): Promise<{ sent: number; statuses: Map<number, number> }> {
  const statuses = new Map<number, number>();
  const started = Date.now();
  let sent = 0;
  const worker = async () => {
    while (sent < REQUESTS && Date.now() - started < FLOOD_LIMIT_MS) {
      // Pacing: request i leaves no earlier than i / PER_100_MS tenths of a second in.
      const due = started + Math.floor(sent / PER_100_MS) * 100;
      if (Date.now() < due) {
        await new Promise((r) => setTimeout(r, due - Date.now()));
        continue;
      }
      const route = ROUTES[sent % ROUTES.length];
      sent += 1;
      const res = await fetch(`${url}${route}`);
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { sent, statuses };
}

describe('a flood of probe and scrape requests', () => {
  let redis: PrivateRedis;
  let api: Service;
  let admin: Client;

  beforeAll(async () => {
    redis = await startPrivateRedis(await freePort());
    api = await startService({ APP_ROLE: 'api', REDIS_URL: redis.url });
    // Statistics are read from another database, so these reads are not counted.
    admin = new Client({ connectionString: baseDatabaseUrl() });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await api?.stop();
    await redis?.stop();
  });

  it('costs a few PostgreSQL and Redis reads per second, and every answer is right', async () => {
    for (const route of ROUTES) await api.http.get(route).expect(200);
    const commitsBefore = await settledCommitted(admin);
    const callsBefore = await commandCalls(redis);
    const started = Date.now();

    const { sent, statuses } = await flood(api.url);

    const seconds = (Date.now() - started) / 1000;
    const callsAfter = await commandCalls(redis);
    // Counted up to when the statistics settle: an overcount, never an undercount.
    const commits = (await settledCommitted(admin)) - commitsBefore;
    const perSecond: Record<string, number> = { 'postgresql xact_commit': commits / seconds };
    for (const command of PROBE_COMMANDS) {
      const calls = (callsAfter.get(command) ?? 0) - (callsBefore.get(command) ?? 0);
      perSecond[`redis ${command}`] = calls / seconds;
    }
    console.log(
      `${sent} requests in ${seconds.toFixed(1)} s; per second: ${JSON.stringify(perSecond)}`,
    );

    for (const [what, rate] of Object.entries(perSecond)) {
      expect({ what, rate: rate <= MAX_PER_SECOND }).toEqual({ what, rate: true });
    }
    expect(sent).toBe(REQUESTS);
    expect(Object.fromEntries(statuses)).toEqual({ 200: REQUESTS });
    // The figures are still those of the stores: the queues are there, readiness holds.
    const health = (await api.http.get('/health').expect(200)).body;
    expect(health).toMatchObject({ status: 'healthy', queues: { lifecycle: expect.any(Object) } });
    const metrics = (await api.http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^netorch_queue_jobs\{queue="lifecycle",state="waiting"\} 0$/m);
    expect(metrics).toMatch(/^netorch_backend_up\{backend="redis"\} 1$/m);
  });
});
