import { Service, startService } from '../support/service';
import { startTcpProxy, TcpProxy } from './tcp-proxy';

/** Readiness turns 503 within 5 s of a lost backend; the bound adds room for a loaded machine. */
const NOTICE_WITHIN_MS = 5000;
const LOAD_MARGIN_MS = 3000;

/** Polls /health/ready until it answers `status`; the milliseconds that took. */
async function readyTurns(api: Service, status: number, limitMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if ((await api.http.get('/health/ready')).status === status) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`/health/ready did not answer ${status} within ${limitMs} ms`);
}

/** Keeps the probes' snapshot warm, as a Kubernetes readiness probe and a scraper would. */
function keepProbing(api: Service): () => void {
  let on = true;
  void (async () => {
    while (on) {
      await api.http.get('/metrics').catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return () => (on = false);
}

describe('readiness when PostgreSQL or Redis goes away', () => {
  let postgres: TcpProxy;
  let redis: TcpProxy;
  let api: Service;

  beforeAll(async () => {
    const db = new URL(process.env.DATABASE_URL!);
    const rd = new URL(process.env.REDIS_URL!);
    postgres = await startTcpProxy({ host: db.hostname, port: Number(db.port || 5432) });
    redis = await startTcpProxy({ host: rd.hostname, port: Number(rd.port || 6379) });
    db.host = `127.0.0.1:${postgres.port}`;
    rd.host = `127.0.0.1:${redis.port}`;
    api = await startService({
      APP_ROLE: 'api',
      DATABASE_URL: db.toString(),
      REDIS_URL: rd.toString(),
    });
  });

  afterAll(async () => {
    await api?.stop();
    await postgres?.close().catch(() => undefined);
    await redis?.close().catch(() => undefined);
  });

  for (const backend of ['PostgreSQL', 'Redis'] as const) {
    it(`turns 503 within 5 s of losing ${backend}, and 200 once it is back`, async () => {
      const proxy = backend === 'PostgreSQL' ? postgres : redis;
      await api.http.get('/health/ready').expect(200);
      const stop = keepProbing(api);
      try {
        // A snapshot read just now must not hide the outage for longer than the bound.
        await new Promise((r) => setTimeout(r, 500));
        await proxy.close();
        const noticedMs = await readyTurns(api, 503, 30_000);
        console.log(`${backend} lost: /health/ready answered 503 after ${noticedMs} ms`);
        expect(noticedMs).toBeLessThanOrEqual(NOTICE_WITHIN_MS + LOAD_MARGIN_MS);
        const down = await api.http.get('/health/ready').expect(503);
        expect(JSON.stringify(down.body)).toContain(backend);
        await proxy.reopen();
        await readyTurns(api, 200, 30_000);
      } finally {
        stop();
      }
      expect(api.child.exitCode).toBeNull();
    });
  }
});
