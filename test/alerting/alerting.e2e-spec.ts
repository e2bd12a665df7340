import { Pool } from 'pg';
import { testPool } from '../support/database';
import { createFabric, NodeRow } from '../support/deployments';
import { expectError } from '../support/errors';
import { Service, startService } from '../support/service';
import { pollUntil } from '../support/poll';
import { recurringRuns } from '../support/queues';
import { pushSamples } from '../support/samples';
import { ReceiverServer, signatureVerifies, WebhookPayload } from '../support/receiver-server';

const EVAL_MS = 400;
// Nodes never reach RUNNING (no collected samples mix with the pushed ones).
const ENV = { ALERT_EVAL_INTERVAL_MS: String(EVAL_MS), SIM_TIME_SCALE: '1000' };
const SECRET = 'receiver-secret-0123';
/** Waits for `count` alert evaluations that begin from now to finish. */
const evaluations = (count: number) => recurringRuns('alerting', 'evaluate-alerts', count);

let svc: Service;
let db: Pool;
const hooks = new ReceiverServer();
const deployments: number[] = [];
const receivers: number[] = [];
const silences: number[] = [];

beforeAll(async () => {
  await hooks.start();
  svc = await startService(ENV);
  db = testPool();
});

afterAll(async () => {
  for (const id of silences) await svc?.http.delete(`/silences/${id}`);
  for (const id of deployments) await svc?.http.delete(`/deployments/${id}`);
  // The next evaluations resolve the deleted deployments' alerts and drop their rules.
  if (svc && deployments.length > 0) {
    await pollUntil(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM alert_rules WHERE deployment_id = ANY($1)`,
        [deployments],
      );
      return rows[0].n === 0;
    }, 'rules of deleted deployments dropped').catch(() => undefined);
  }
  for (const id of receivers) await svc?.http.delete(`/receivers/${id}`);
  await db?.end();
  await svc?.stop();
  await hooks.stop();
});

async function fabric(n: number): Promise<{ id: number; nodes: NodeRow[] }> {
  const f = await createFabric(svc, { name: `alerting-${Date.now()}`, target_node_count: n });
  deployments.push(f.id);
  return f;
}

async function receiver(body: Record<string, unknown>): Promise<{ id: number; name: string }> {
  const res = await svc.http.post('/receivers').send(body).expect(201);
  receivers.push(res.body.id);
  return res.body;
}

/** Three recent samples per node: latency 10 (± a little), the slow ones 100. */
async function pushLatencies(deploymentId: number, nodes: NodeRow[], slow: Set<number>, per = 3) {
  const samples = [];
  const now = Date.now();
  for (const n of nodes) {
    for (let i = 0; i < per; i++) {
      samples.push({
        node_id: n.id,
        timestamp: new Date(now - 2000 - i * 100).toISOString(),
        latency_ms: slow.has(n.id) ? 100 : 10 + (i % 2) * 0.1,
        throughput_gbps: 9.5,
        error_rate: 0.01,
      });
    }
  }
  await pushSamples(svc, deploymentId, samples);
}

/** Many normal samples for a node: its window mean falls back among the others. */
async function recover(deploymentId: number, nodeId: number) {
  const now = Date.now();
  const samples = Array.from({ length: 200 }, (_, i) => ({
    node_id: nodeId,
    timestamp: new Date(now - 1000 - i * 10).toISOString(),
    latency_ms: 10,
    throughput_gbps: 9.5,
    error_rate: 0.01,
  }));
  await pushSamples(svc, deploymentId, samples);
}

const deploymentOf = (body: unknown) =>
  Number((body as WebhookPayload).alerts[0].labels.deployment_id);

describe('alerting', () => {
  it('fires after for_seconds, retries 500s with one delivery id, resolves once with endsAt', async () => {
    const path = `/hook-main-${Date.now()}`;
    hooks.plan(path, [500, 500]);
    const r = await receiver({
      name: 'oncall',
      type: 'webhook',
      url: hooks.url + path,
      secret: SECRET,
    });
    expect(r).not.toHaveProperty('secret');
    const { id, nodes } = await fabric(10);
    const slow = nodes[6];
    const rule = await svc.http
      .post(`/deployments/${id}/alert-rules`)
      .send({
        name: 'slow-switch',
        threshold: 2,
        window_minutes: 1,
        for_seconds: 2,
        keep_firing_for_seconds: 0,
        receiver_ids: [r.id],
      })
      .expect(201);
    expect(rule.body).toMatchObject({ method: 'zscore', receiver_ids: [r.id], enabled: true });

    const pushedAt = Date.now();
    await pushLatencies(id, nodes, new Set([slow.id]));
    const pending = await pollUntil(async () => {
      const res = await svc.http.get(`/deployments/${id}/alerts`).expect(200);
      return res.body.length > 0 && res.body;
    }, 'a pending alert');
    expect(pending[0]).toMatchObject({ node_id: slow.id, rule_id: rule.body.id });

    const delivered = await pollUntil(
      async () => hooks.on(path).find((x) => x.answered === 200),
      'the firing notification to land',
    );
    const attempts = hooks.on(path);
    expect(attempts.map((a) => a.answered)).toEqual([500, 500, 200]);
    const ids = new Set(attempts.map((a) => a.headers['x-netorch-delivery']));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^[0-9a-f-]{36}$/);
    for (const a of attempts) expect(signatureVerifies(SECRET, a)).toBe(true);
    expect(signatureVerifies('another-secret-000', delivered)).toBe(false);
    const body = delivered.body as WebhookPayload;
    expect(body).toMatchObject({ version: '4', status: 'firing', receiver: 'oncall' });
    expect(body.alerts).toHaveLength(1);
    expect(body.alerts[0].labels).toMatchObject({
      alertname: expect.any(String),
      deployment_id: String(id),
      node: slow.node_id,
      node_id: String(slow.id),
      rule_id: String(rule.body.id),
    });
    expect(body.alerts[0].endsAt).toBe('0001-01-01T00:00:00Z');
    // Fired no sooner than for_seconds after the node was first seen breaching.
    const firing = (await svc.http.get(`/deployments/${id}/alerts?state=firing`).expect(200)).body;
    expect(firing).toHaveLength(1);
    // Its node counts among the flagged nodes of deployments in progress (nodes still PROVISIONING).
    expect((await svc.http.get('/metrics').expect(200)).text).toMatch(
      /netorch_alert_flagged_nodes\{deployment_status="in_progress"\} [1-9]/,
    );
    expect(
      new Date(firing[0].starts_at).getTime() - new Date(firing[0].active_since).getTime(),
    ).toBeGreaterThanOrEqual(2000);
    expect(new Date(firing[0].active_since).getTime()).toBeGreaterThanOrEqual(pushedAt - 1000);
    expect(firing[0].fingerprint).toBe(body.alerts[0].fingerprint);
    expect(firing[0].metrics.latency_ms.triggered).toBe(true);
    const fleet = (await svc.http.get(`/alerts?state=firing&deployment_id=${id}`).expect(200)).body;
    expect(fleet.map((a: { id: number }) => a.id)).toEqual([firing[0].id]);

    const log = await pollUntil(async () => {
      const res = await svc.http.get(`/receivers/${r.id}/deliveries`).expect(200);
      return res.body[0]?.status === 'delivered' && res.body;
    }, 'the delivery recorded as delivered');
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      id: [...ids][0],
      status: 'delivered',
      kind: 'firing',
      attempts: 3,
    });
    expect(log[0].attempt_log.map((a: { http_status: number }) => a.http_status)).toEqual([
      500, 500, 200,
    ]);

    // Recovery: exactly one resolved notification, with endsAt.
    await recover(id, slow.id);
    const resolved = await pollUntil(
      async () => hooks.on(path).find((x) => (x.body as WebhookPayload).status === 'resolved'),
      'the resolved notification',
    );
    // No second resolved notification: five more evaluations (and their deliveries) add none.
    await evaluations(5);
    const all = hooks.on(path);
    const byStatus = (s: string) =>
      new Set(
        all
          .filter((x) => (x.body as WebhookPayload).status === s)
          .map((x) => x.headers['x-netorch-delivery']),
      );
    expect(byStatus('firing').size).toBe(1);
    expect(byStatus('resolved').size).toBe(1);
    expect(all.filter((x) => (x.body as WebhookPayload).status === 'resolved')).toHaveLength(1);
    const rb = resolved.body as WebhookPayload;
    expect(rb.alerts[0].fingerprint).toBe(body.alerts[0].fingerprint);
    expect(rb.alerts[0].endsAt).not.toBe('0001-01-01T00:00:00Z');
    expect(new Date(rb.alerts[0].endsAt).getTime()).toBeGreaterThan(
      new Date(rb.alerts[0].startsAt).getTime(),
    );
    expect(signatureVerifies(SECRET, resolved)).toBe(true);
    const after = (await svc.http.get(`/deployments/${id}/alerts`).expect(200)).body;
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ state: 'resolved', ends_at: rb.alerts[0].endsAt });

    const events = (await svc.http.get(`/deployments/${id}/events?limit=1000`).expect(200)).body;
    const types = (events.events ?? events).map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t === 'ALERT_FIRING')).toHaveLength(1);
    expect(types.filter((t: string) => t === 'ALERT_RESOLVED')).toHaveLength(1);

    const metrics = (await svc.http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/netorch_alerts\{state="resolved"\} [1-9]/);
    expect(metrics).toMatch(/netorch_alert_deliveries\{outcome="delivered"\} [1-9]/);
    expect(metrics).toMatch(/netorch_alert_evaluation_last_duration_seconds \d/);

    // Redeliver sends the same notification again, with the same delivery id.
    const before = hooks.on(path).length;
    await svc.http.post(`/receivers/${r.id}/deliveries/${[...ids][0]}/redeliver`).expect(202);
    const again = await pollUntil(async () => hooks.on(path)[before], 'the redelivery');
    expect(again.headers['x-netorch-delivery']).toBe([...ids][0]);
    expect(signatureVerifies(SECRET, again)).toBe(true);
  });

  it('a silence suppresses notifications; the alert is still tracked and shown silenced', async () => {
    const path = `/hook-silenced-${Date.now()}`;
    const r = await receiver({ name: 'quiet', type: 'webhook', url: hooks.url + path });
    const { id, nodes } = await fabric(10);
    const s = await svc.http
      .post('/silences')
      .send({
        deployment_id: id,
        node_id: nodes[3].id,
        ends_at: new Date(Date.now() + 3_600_000).toISOString(),
        comment: 'optics swap',
      })
      .expect(201);
    silences.push(s.body.id);
    expect(s.body).toMatchObject({ deployment_id: id, node_id: nodes[3].id, active: true });
    await svc.http
      .post(`/deployments/${id}/alert-rules`)
      .send({ name: 'slow', window_minutes: 1, for_seconds: 0, receiver_ids: [r.id] })
      .expect(201);
    await pushLatencies(id, nodes, new Set([nodes[3].id]));
    const alert = await pollUntil(async () => {
      const res = await svc.http.get(`/deployments/${id}/alerts?state=firing`).expect(200);
      return res.body[0];
    }, 'a silenced firing alert');
    expect(alert).toMatchObject({ node_id: nodes[3].id, silenced: true });
    // Silenced: four more evaluations deliver nothing.
    await evaluations(4);
    expect(hooks.on(path)).toHaveLength(0);
    const log = (await svc.http.get(`/receivers/${r.id}/deliveries?status=silenced`).expect(200))
      .body;
    expect(log).toHaveLength(1);
    expect(log[0].attempts).toBe(0);
    const list = (await svc.http.get(`/silences?deployment_id=${id}`).expect(200)).body;
    expect(list.map((x: { id: number }) => x.id)).toEqual([s.body.id]);
  });

  it('an alertmanager receiver gets POST {url}/api/v2/alerts, again while firing', async () => {
    const base = `/am-${Date.now()}`;
    const r = await receiver({ name: 'am', type: 'alertmanager', url: hooks.url + base });
    const { id, nodes } = await fabric(10);
    await svc.http
      .post(`/deployments/${id}/alert-rules`)
      .send({ name: 'slow', window_minutes: 1, for_seconds: 0, receiver_ids: [r.id] })
      .expect(201);
    await pushLatencies(id, nodes, new Set([nodes[8].id]));
    await pollUntil(
      async () => hooks.on(`${base}/api/v2/alerts`).length >= 2,
      'two posts to /api/v2/alerts',
    );
    const posts = hooks.on(`${base}/api/v2/alerts`);
    const first = posts[0].body as {
      labels: Record<string, string>;
      startsAt: string;
      endsAt?: string;
    }[];
    expect(Array.isArray(first)).toBe(true);
    expect(first[0].labels).toMatchObject({ deployment_id: String(id), node: nodes[8].node_id });
    expect(first[0].endsAt).toBeUndefined();
    expect(posts[0].headers['x-netorch-signature']).toBeUndefined();
    await recover(id, nodes[8].id);
    const resolved = await pollUntil(
      async () =>
        hooks
          .on(`${base}/api/v2/alerts`)
          .find((p) => (p.body as { endsAt?: string }[])[0].endsAt !== undefined),
      'a post with endsAt',
    );
    expect((resolved.body as { endsAt: string }[])[0].endsAt).toMatch(/^\d{4}-/);
  });

  it('two workers never notify one change twice', async () => {
    const extra = await startService({ ...ENV, APP_ROLE: 'worker' });
    try {
      const path = `/hook-two-${Date.now()}`;
      const r = await receiver({ name: 'two', type: 'webhook', url: hooks.url + path });
      const fabrics = await Promise.all([fabric(10), fabric(10), fabric(10)]);
      for (const f of fabrics) {
        await svc.http
          .post(`/deployments/${f.id}/alert-rules`)
          .send({ name: 'slow', window_minutes: 1, for_seconds: 1, receiver_ids: [r.id] })
          .expect(201);
      }
      for (const f of fabrics) await pushLatencies(f.id, f.nodes, new Set([f.nodes[2].id]));
      await pollUntil(async () => hooks.on(path).length >= 3, 'three firing notifications');
      // Never a fourth: six more evaluations by either worker add none.
      await evaluations(6);
      const got = hooks.on(path);
      expect(
        got.map((g) => [g.headers['x-netorch-delivery'], (g.body as WebhookPayload).status, g.at]),
      ).toHaveLength(3);
      expect(new Set(got.map((g) => g.headers['x-netorch-delivery'])).size).toBe(3);
      expect(new Set(got.map((g) => deploymentOf(g.body)))).toEqual(
        new Set(fabrics.map((f) => f.id)),
      );
    } finally {
      await extra.stop();
    }
  });

  it('a worker SIGKILLed with a delivery in flight still ends with one delivered notification', async () => {
    const path = `/hook-kill-${Date.now()}`;
    hooks.hold(path, 8000);
    const r = await receiver({ name: 'kill', type: 'webhook', url: hooks.url + path });
    const { id, nodes } = await fabric(10);
    await svc.http
      .post(`/deployments/${id}/alert-rules`)
      .send({ name: 'slow', window_minutes: 5, for_seconds: 0, receiver_ids: [r.id] })
      .expect(201);
    await pushLatencies(id, nodes, new Set([nodes[5].id]));
    const inFlight = await pollUntil(async () => hooks.on(path)[0], 'the delivery in flight');
    await svc.kill();
    svc = await startService(ENV);
    // BullMQ finds the job stalled (its lock lapsed with the process) and runs it again.
    const log = await pollUntil(
      async () => {
        const res = await svc.http.get(`/receivers/${r.id}/deliveries`).expect(200);
        return res.body[0]?.status === 'delivered' && res.body;
      },
      'the delivery retaken and recorded as delivered',
      { timeoutMs: 150_000 },
    );
    expect(log).toHaveLength(1);
    const got = hooks.on(path);
    expect(new Set(got.map((g) => g.headers['x-netorch-delivery']))).toEqual(
      new Set([inFlight.headers['x-netorch-delivery']]),
    );
    expect(got.filter((g) => g.answered === 200).length).toBeGreaterThanOrEqual(1);
    expect(log[0].id).toBe(inFlight.headers['x-netorch-delivery']);
  });

  it('refuses bad receiver URLs and rule fields with 422 naming the field', async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://[fe80::1]:8080/',
      'http://[::ffff:169.254.169.254]/',
      'http://metadata.google.internal/',
      'ftp://example.com/',
      'not-a-url',
    ]) {
      const res = await svc.http
        .post('/receivers')
        .send({ name: 'x', type: 'webhook', url })
        .expect(422);
      expectError(res.body, 422, /url/);
    }
    const bad = await svc.http
      .post('/receivers')
      .send({ name: 'x', type: 'pagerduty', url: 'http://127.0.0.1/' })
      .expect(422);
    expectError(bad.body, 422, /type/);

    const { id } = await fabric(2);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ threshold: 0.1 }, /threshold/],
      [{ window_minutes: 0 }, /window_minutes/],
      [{ window_minutes: 61 }, /window_minutes/],
      [{ method: 'median' }, /method/],
      [{ for_seconds: -1 }, /for_seconds/],
      [{ keep_firing_for_seconds: 1.5 }, /keep_firing_for_seconds/],
      [{ min_samples: 0 }, /min_samples/],
      [{ receiver_ids: [2147483600] }, /receiver_ids.*2147483600/],
      [{ receiver_ids: 'all' }, /receiver_ids/],
      [{ colour: 'red' }, /colour/],
      [{ name: '' }, /name/],
      [{ threshold: null }, /threshold: must not be null/],
    ];
    for (const [fields, detail] of cases) {
      const res = await svc.http
        .post(`/deployments/${id}/alert-rules`)
        .send({ name: 'r', ...fields })
        .expect(422);
      expectError(res.body, 422, detail);
    }
    // Nothing half-created.
    expect((await svc.http.get(`/deployments/${id}/alert-rules`).expect(200)).body).toEqual([]);
    await svc.http.post('/deployments/2147483600/alert-rules').send({ name: 'r' }).expect(404);
    const rule = await svc.http
      .post(`/deployments/${id}/alert-rules`)
      .send({ name: 'r' })
      .expect(201);
    const patched = await svc.http
      .patch(`/deployments/${id}/alert-rules/${rule.body.id}`)
      .send({ threshold: 3, enabled: false })
      .expect(200);
    expect(patched.body).toMatchObject({ threshold: 3, enabled: false, name: 'r' });
    await svc.http
      .patch(`/deployments/${id}/alert-rules/${rule.body.id}`)
      .send({ threshold: 11 })
      .expect(422);
    await svc.http.delete(`/deployments/${id}/alert-rules/${rule.body.id}`).expect(204);
    await svc.http.get(`/deployments/${id}/alert-rules/${rule.body.id}`).expect(404);
    const silence = await svc.http
      .post('/silences')
      .send({ deployment_id: id, ends_at: '2020-01-01T00:00:00Z', comment: 'past' })
      .expect(422);
    expectError(silence.body, 422, /ends_at/);
  });
});
