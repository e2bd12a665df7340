import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Pool } from 'pg';
import { testPool } from '../support/database';
import { createFabric } from '../support/deployments';
import { pollUntil } from '../support/poll';
import { pushSamples } from '../support/samples';
import { Service, startService } from '../support/service';

const ENV = { ALERT_EVAL_INTERVAL_MS: '400', SIM_TIME_SCALE: '1000' };

/** A receiver that answers each path with its own status, headers and raw bytes. */
class RawReceiver {
  private server!: Server;
  readonly seen: { path: string; delivery: string }[] = [];
  private readonly answers = new Map<string, (res: ServerResponse) => void>();
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        const path = req.url ?? '';
        this.seen.push({ path, delivery: String(req.headers['x-netorch-delivery']) });
        const answer = this.answers.get(path);
        if (answer) answer(res);
        else res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  answer(path: string, status: number, body: Buffer, headers: Record<string, string> = {}) {
    this.answers.set(path, (res) => res.writeHead(status, headers).end(body));
  }

  on(path: string) {
    return this.seen.filter((s) => s.path === path);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

let svc: Service;
let db: Pool;
const raw = new RawReceiver();
const deployments: number[] = [];

beforeAll(async () => {
  await raw.start();
  svc = await startService(ENV);
  db = testPool();
});

afterAll(async () => {
  for (const id of deployments) await svc?.http.delete(`/deployments/${id}`);
  await db?.end();
  await svc?.stop();
  await raw.stop();
});

/** A receiver at `path` and one alert of a new fabric firing to it; the delivery's id. */
async function oneDelivery(path: string): Promise<{ receiver: number; delivery: string }> {
  const receiver = (
    await svc.http
      .post('/receivers')
      .send({ name: `raw${path.replace(/\W/g, '-')}`, type: 'webhook', url: raw.url + path })
      .expect(201)
  ).body.id as number;
  const { id, nodes } = await createFabric(svc, {
    name: `rec-${Date.now()}`,
    target_node_count: 8,
  });
  deployments.push(id);
  await svc.http
    .post(`/deployments/${id}/alert-rules`)
    .send({ name: 'slow', window_minutes: 1, for_seconds: 0, receiver_ids: [receiver] })
    .expect(201);
  const now = Date.now();
  await pushSamples(
    svc,
    id,
    nodes.flatMap((n, i) =>
      [0, 1, 2].map((k) => ({
        node_id: n.id,
        timestamp: new Date(now - 2000 - k * 100).toISOString(),
        latency_ms: i === 3 ? 100 : 10 + (k % 2) * 0.1,
        throughput_gbps: 9.5,
        error_rate: 0.01,
      })),
    ),
  );
  const delivery = await pollUntil(
    async () =>
      (await svc.http.get(`/receivers/${receiver}/deliveries`).expect(200)).body[0]?.id as
        string | undefined,
    'a delivery',
  );
  return { receiver, delivery };
}

/** The receiver's delivery `id`, else its newest. */
const deliveryOf = async (receiver: number, id?: string) => {
  const list = (await svc.http.get(`/receivers/${receiver}/deliveries`).expect(200)).body;
  return id === undefined ? list[0] : list.find((d: { id: string }) => d.id === id);
};

describe('recording what receivers answer', () => {
  it('records an answer with NUL bytes escaped, and sends the notification once', async () => {
    raw.answer('/nul', 200, Buffer.from('ok\u0000\u001b[0m done'));
    const { receiver } = await oneDelivery('/nul');
    const d = await pollUntil(() => deliveryOf(receiver), 'the NUL answer recorded', {
      until: (x) => x?.status !== 'pending',
    });
    expect(d.status).toBe('delivered');
    expect(d.attempt_log[0].response_prefix).toBe('ok\\u0000\\u001b[0m done');
    expect(raw.on('/nul')).toHaveLength(1);
  });

  it('records a gzip answer in hex', async () => {
    const gz = gzipSync('{"status":"success"}');
    raw.answer('/gzip', 200, gz, { 'content-encoding': 'gzip' });
    const { receiver } = await oneDelivery('/gzip');
    const d = await pollUntil(() => deliveryOf(receiver), 'the gzip answer recorded', {
      until: (x) => x?.status !== 'pending',
    });
    expect(d.status).toBe('delivered');
    expect(d.attempt_log[0].response_prefix).toBe(`hex:${gz.toString('hex')}`);
    expect(raw.on('/gzip')).toHaveLength(1);
  });

  it('fails a pending delivery whose job is gone after its last attempt, and sends nothing more', async () => {
    raw.answer('/down', 500, Buffer.from('down'));
    const { receiver, delivery } = await oneDelivery('/down');
    await pollUntil(() => deliveryOf(receiver, delivery), 'a first failed attempt', {
      until: (x) => x?.attempts >= 1,
    });
    // Its attempts spent, and its job lost with Redis.
    await db.query(`UPDATE alert_deliveries SET attempts = 12 WHERE id = $1`, [delivery]);
    const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
      maxRetriesPerRequest: null,
    });
    try {
      for (const name of ['alerting', 'deliveries']) {
        const q = new Queue(name, { connection, prefix: process.env.QUEUE_PREFIX });
        await pollUntil(async () => {
          const job = await q.getJob(delivery);
          if (!job) return true;
          return job.remove().then(
            () => true,
            () => false,
          );
        }, `the job of ${delivery} removed from ${name}`);
        await q.close();
      }
    } finally {
      connection.disconnect();
    }
    const sentBefore = raw.on('/down').filter((s) => s.delivery === delivery).length;
    const d = await pollUntil(() => deliveryOf(receiver, delivery), 'the lost delivery failed', {
      timeoutMs: 150_000,
      until: (x) => x?.status !== 'pending',
    });
    expect(d.status).toBe('failed');
    const { rows } = await db.query<{ last_error: string }>(
      'SELECT last_error FROM alert_deliveries WHERE id = $1',
      [delivery],
    );
    expect(rows[0].last_error).toMatch(/job was lost/);
    expect(raw.on('/down').filter((s) => s.delivery === delivery)).toHaveLength(sentBefore);
  }, 200_000);
});

describe('what is not there', () => {
  it('answers 404 for a deleted receiver and for a delivery it does not have', async () => {
    const receiver = (
      await svc.http
        .post('/receivers')
        .send({ name: `gone-${Date.now()}`, type: 'webhook', url: `${raw.url}/gone` })
        .expect(201)
    ).body.id as number;
    await svc.http
      .post(`/receivers/${receiver}/deliveries/0b7f5c2e-8d1a-4f3b-9c6e-2a4d8e1f7b90/redeliver`)
      .expect(404);
    await svc.http.delete(`/receivers/${receiver}`).expect(204);
    await svc.http.delete(`/receivers/${receiver}`).expect(404);
  });
});
