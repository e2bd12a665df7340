import { ChildProcess, spawn } from 'node:child_process';
import { Client } from 'pg';
import { createDeployment } from '../support/deployments';
import { expectError } from '../support/errors';
import { pollUntil } from '../support/poll';
import { freePort, Service, startService } from '../support/service';

/** A Redis of this test's own, so that stopping it disturbs nobody else. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const pong = () =>
    new Promise<boolean>((resolve) => {
      const ping = spawn('redis-cli', ['-p', String(port), 'ping'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let out = '';
      ping.stdout.on('data', (d: Buffer) => (out += d.toString()));
      ping.on('exit', () => resolve(out.includes('PONG')));
    });
  await pollUntil(pong, `redis-server on port ${port} to answer`, { timeoutMs: 10_000 });
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** The service's answers change within 30 s of a backing service going or coming back. */
const SOON = { timeoutMs: 30_000, intervalMs: 250 };

describe('when a backing service goes away', () => {
  let api: Service;
  let redis: ChildProcess;
  let redisPort: number;

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    api = await startService({ APP_ROLE: 'api', REDIS_URL: `redis://127.0.0.1:${redisPort}` });
  });

  afterAll(async () => {
    await api?.stop();
    if (redis) await stopRedis(redis);
  });

  it('says which in /health, keeps serving what PostgreSQL holds, and recovers by itself', async () => {
    await stopRedis(redis);
    const degraded = await pollUntil(
      async () => (await api.http.get('/health')).body,
      'Redis reported down',
      { ...SOON, until: (body) => body.redis === 'unhealthy' },
    );
    expect(degraded).toMatchObject({ status: 'degraded', database: 'healthy', redis: 'unhealthy' });
    expect((await api.http.get('/health/ready')).status).toBe(503);
    // The rollout schedule lives in PostgreSQL: a create still succeeds and the reconciler arms it later.
    const created = await createDeployment(api, { target_node_count: 3 });
    expect((await api.http.get(`/deployments/${created.id}`)).status).toBe(200);

    redis = await startRedis(redisPort);
    await pollUntil(
      async () => (await api.http.get('/health')).body,
      'recovery after Redis restart',
      { ...SOON, until: (body) => body.status === 'healthy' },
    );
    expect(api.child.exitCode).toBeNull();
  });

  it('answers 503 while PostgreSQL refuses connections and recovers by itself', async () => {
    const name = new URL(process.env.DATABASE_URL!).pathname.slice(1);
    const admin = new Client({
      connectionString: process.env.DATABASE_URL!.replace(`/${name}`, '/postgres'),
    });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [name],
      );
      const down = await pollUntil(
        async () => api.http.get('/deployments'),
        '503 while the database is away',
        { ...SOON, until: (res) => res.status === 503 },
      );
      expectError(down.body, 503, /backing service \(PostgreSQL or Redis\) is unavailable/);
      // /health reads a snapshot at most 2 s old, so it may say so a little later.
      const health = await pollUntil(
        async () => (await api.http.get('/health').expect(200)).body,
        'PostgreSQL reported down',
        { ...SOON, until: (body) => body.database === 'unhealthy' },
      );
      expect(health).toMatchObject({ status: 'degraded', database: 'unhealthy' });
    } finally {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    await pollUntil(
      async () => (await api.http.get('/deployments')).status,
      'recovery after PostgreSQL returns',
      { ...SOON, until: (status) => status === 200 },
    );
    await pollUntil(
      async () => (await api.http.get('/health').expect(200)).body.database,
      'PostgreSQL reported back',
      { ...SOON, until: (database) => database === 'healthy' },
    );
    expect(api.child.exitCode).toBeNull();
  });
});
