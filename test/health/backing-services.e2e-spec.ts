import { ChildProcess, spawn } from 'node:child_process';
import { Client } from 'pg';
import { createDeployment } from '../support/deployments';
import { expectError } from '../support/errors';
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
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const ping = spawn('redis-cli', ['-p', String(port), 'ping'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let out = '';
      ping.stdout.on('data', (d: Buffer) => (out += d.toString()));
      ping.on('exit', () => resolve(out.includes('PONG')));
    });
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('redis-server did not start');
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 30_000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (accept(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not happen; last: ${JSON.stringify(last)}`);
}

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
    const degraded = await eventually(
      async () => (await api.http.get('/health')).body,
      (body) => body.redis === 'unhealthy',
      'Redis reported down',
    );
    expect(degraded).toMatchObject({ status: 'degraded', database: 'healthy', redis: 'unhealthy' });
    expect((await api.http.get('/health/ready')).status).toBe(503);
    // The rollout schedule lives in PostgreSQL: a create still succeeds and the reconciler arms it later.
    const created = await createDeployment(api, { target_node_count: 3 });
    expect((await api.http.get(`/deployments/${created.id}`)).status).toBe(200);

    redis = await startRedis(redisPort);
    await eventually(
      async () => (await api.http.get('/health')).body,
      (body) => body.status === 'healthy',
      'recovery after Redis restart',
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
      const down = await eventually(
        async () => api.http.get('/deployments'),
        (res) => res.status === 503,
        '503 while the database is away',
      );
      expectError(down.body, 503, /backing service \(PostgreSQL or Redis\) is unavailable/);
      const health = await api.http.get('/health').expect(200);
      expect(health.body).toMatchObject({ status: 'degraded', database: 'unhealthy' });
    } finally {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    await eventually(
      async () => (await api.http.get('/deployments')).status,
      (status) => status === 200,
      'recovery after PostgreSQL returns',
    );
    expect((await api.http.get('/health').expect(200)).body.database).toBe('healthy');
    expect(api.child.exitCode).toBeNull();
  });
});
