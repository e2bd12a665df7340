import { createServer, Server, Socket } from 'node:net';
import { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { testPool } from '../support/database';
import { pollUntil, sleep } from '../support/poll';
import { deleteQueuePrefix } from '../support/queues';
import { ReceiverServer, WebhookPayload } from '../support/receiver-server';
import { pushSamples } from '../support/samples';
import { Service, startService } from '../support/service';

// Queues of this suite's own: its thousands of delivery jobs stay out of the other suites' way.
const PREFIX = `${process.env.QUEUE_PREFIX}_blackhole`;
const EVAL_MS = 2000;
const NODES = 2000;
const SLOW = 1000;
const ENV = {
  QUEUE_PREFIX: PREFIX,
  ALERT_EVAL_INTERVAL_MS: String(EVAL_MS),
  SIM_TIME_SCALE: '0.02',
  SIM_FAILURE_RATE: '0',
  // No collected sample mixes with the pushed ones while the test runs.
  TELEMETRY_INTERVAL_MS: '3600000',
};

/** A local address that accepts connections and never answers. */
class Blackhole {
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  connections = 0;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.resume();
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.sockets.forEach((s) => s.destroy());
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

let svc: Service;
let db: Pool;
/** What this suite made in the run's shared database, removed again at its end. */
const receivers: number[] = [];
const deployments: number[] = [];
const hole = new Blackhole();
const healthy = new ReceiverServer();

beforeAll(async () => {
  await hole.start();
  await healthy.start();
  svc = await startService(ENV);
  db = testPool();
});

afterAll(async () => {
  // Its receivers (their thousands of pending deliveries with them) and its deployments (their
  // alerts with them), so no later suite's service inherits them.
  for (const id of receivers) await svc?.http.delete(`/receivers/${id}`);
  for (const id of deployments) await svc?.http.delete(`/deployments/${id}`);
  await svc?.stop();
  await db?.end();
  await hole.stop();
  await healthy.stop();
  await deleteQueuePrefix(PREFIX);
});

async function receiver(body: Record<string, unknown>): Promise<number> {
  const id = (await svc.http.post('/receivers').send(body).expect(201)).body.id as number;
  receivers.push(id);
  return id;
}

const count = async (sql: string, params: unknown[]) =>
  (await db.query<{ n: number }>(sql, params)).rows[0].n;

describe('a receiver that never answers', () => {
  it('starves nothing: rules evaluated every interval, events delivered, deliveries bounded', async () => {
    const hook = await receiver({ name: 'hole-hook', type: 'webhook', url: `${hole.url}/hook` });
    const am = await receiver({ name: 'hole-am', type: 'alertmanager', url: hole.url });
    const donePath = `/done-${Date.now()}`;
    await receiver({
      name: 'healthy',
      type: 'webhook',
      url: healthy.url + donePath,
      events: ['ROLLOUT_COMPLETED'],
    });

    const fabric = (
      await svc.http
        .post('/deployments')
        .send({ name: `blackhole-${Date.now()}`, target_node_count: NODES })
        .expect(201)
    ).body.id as number;
    deployments.push(fabric);
    const { rows: nodes } = await db.query<{ id: number }>(
      'SELECT id FROM nodes WHERE deployment_id = $1 ORDER BY id',
      [fabric],
    );
    expect(nodes).toHaveLength(NODES);
    // Half the nodes slow: each slow one is one standard deviation above the fabric's mean.
    const now = Date.now();
    await pushSamples(
      svc,
      fabric,
      nodes.flatMap((n, i) =>
        [0, 1, 2].map((k) => ({
          node_id: n.id,
          timestamp: new Date(now - 2000 - k * 100).toISOString(),
          latency_ms: i < SLOW ? 100 : 10,
          throughput_gbps: 9.5,
          error_rate: 0.01,
        })),
      ),
    );
    const rule = (
      await svc.http
        .post(`/deployments/${fabric}/alert-rules`)
        .send({
          name: 'slow-half',
          threshold: 0.5,
          window_minutes: 5,
          for_seconds: 0,
          peer_group: 'deployment',
          receiver_ids: [hook, am],
        })
        .expect(201)
    ).body.id as number;

    const firingSince = Date.now();
    await pollUntil(
      () =>
        count(`SELECT count(*)::int AS n FROM alerts WHERE rule_id = $1 AND state = 'firing'`, [
          rule,
        ]),
      `${SLOW} alerts firing`,
      { timeoutMs: 120_000, until: (n) => n >= SLOW },
    );
    const firingAfterMs = Date.now() - firingSince;

    // While the receivers hold every connection: a rollout elsewhere completes and notifies.
    const rollout = (
      await svc.http
        .post('/deployments')
        .send({
          name: `blackhole-rollout-${Date.now()}`,
          target_node_count: 4,
          strategy: { canary: 2, wave_size: 2, max_failure_percent: 100 },
        })
        .expect(201)
    ).body.id as number;
    deployments.push(rollout);

    // Watch the rule's evaluated_at for ten intervals: the longest gap between two evaluations.
    const watchStart = Date.now();
    let last = '';
    let lastChange = watchStart;
    let longestGapMs = 0;
    let evaluations = 0;
    while (Date.now() - watchStart < 10 * EVAL_MS) {
      const { rows } = await db.query<{ at: Date }>(
        'SELECT evaluated_at AS at FROM alert_rules WHERE id = $1',
        [rule],
      );
      const at = rows[0].at.toISOString();
      if (at !== last) {
        if (last !== '') {
          longestGapMs = Math.max(longestGapMs, Date.now() - lastChange);
          evaluations++;
        }
        last = at;
        lastChange = Date.now();
      }
      await sleep(100);
    }
    longestGapMs = Math.max(longestGapMs, Date.now() - lastChange);

    const completed = await pollUntil(
      async () =>
        healthy
          .on(donePath)
          .find(
            (r) => (r.body as WebhookPayload).alerts?.[0]?.labels.deployment_id === String(rollout),
          ),
      'the ROLLOUT_COMPLETED notification to the healthy receiver',
      { timeoutMs: 120_000 },
    ).catch(() => null);
    const hookRows = await count(
      'SELECT count(*)::int AS n FROM alert_deliveries WHERE receiver_id = $1',
      [hook],
    );
    const amRows = await count(
      'SELECT count(*)::int AS n FROM alert_deliveries WHERE receiver_id = $1',
      [am],
    );
    const amPosts = await count(
      `SELECT count(*)::int AS n FROM alert_delivery_attempts t
       JOIN alert_deliveries d ON d.id = t.delivery_id WHERE d.receiver_id = $1`,
      [am],
    );
    const breaker = await pollUntil(
      async () => (await svc.http.get(`/receivers/${hook}`).expect(200)).body.breaker,
      'the webhook receiver paused by its breaker',
      { timeoutMs: 90_000, until: (b) => b?.state === 'open' },
    ).catch(() => null);

    console.log(
      JSON.stringify({
        alertsFiring: SLOW,
        firingAfterMs,
        watchedMs: 10 * EVAL_MS,
        evaluationsSeen: evaluations,
        longestEvaluationGapMs: longestGapMs,
        healthyNotifiedAfterMs: completed ? completed.at - watchStart : null,
        webhookDeliveryRows: hookRows,
        alertmanagerDeliveryRows: amRows,
        alertmanagerAttempts: amPosts,
        blackholeConnections: hole.connections,
        breaker,
      }),
    );
    expect(completed).not.toBeNull();
    // Every interval, give or take one on a loaded machine: never held behind the deliveries.
    expect(longestGapMs).toBeLessThanOrEqual(3 * EVAL_MS);
    expect(evaluations).toBeGreaterThanOrEqual(3);
    // One notification per alert and change for the webhook, whatever the number of intervals;
    // one waiting batch for the Alertmanager receiver, its body replaced at each evaluation.
    expect(hookRows).toBe(SLOW);
    expect(amRows).toBeLessThanOrEqual(2);
    expect(breaker).toMatchObject({ state: 'open', paused_until: expect.stringMatching(/^\d{4}/) });
    expect(breaker!.consecutive_failures).toBeGreaterThanOrEqual(5);
  }, 600_000);
});
