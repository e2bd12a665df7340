import { Pool } from 'pg';
import { testPool } from '../support/database';
import { expectError } from '../support/errors';
import { pollUntil } from '../support/poll';
import { deleteQueuePrefix, recurringRuns } from '../support/queues';
import { Service, startService } from '../support/service';
import {
  Received,
  ReceiverServer,
  signatureVerifies,
  WebhookPayload,
} from '../support/receiver-server';

// Queues of this suite's own: it wipes them to play a Redis loss.
const PREFIX = `${process.env.QUEUE_PREFIX}_devents`;
const EVAL_MS = 400;
const SECRET = 'deployment-events-secret';
const env = (failureRate: string) => ({
  QUEUE_PREFIX: PREFIX,
  ALERT_EVAL_INTERVAL_MS: String(EVAL_MS),
  SIM_TIME_SCALE: '0.02',
  SIM_FAILURE_RATE: failureRate,
});

let svc: Service | undefined;
let db: Pool;
const hooks = new ReceiverServer();
const deployments: number[] = [];
const receivers: number[] = [];

beforeAll(async () => {
  await hooks.start();
  db = testPool();
});

afterAll(async () => {
  for (const id of deployments) await svc?.http.delete(`/deployments/${id}`);
  for (const id of receivers) await svc?.http.delete(`/receivers/${id}`);
  await svc?.stop();
  await db?.end();
  await hooks.stop();
  await deleteQueuePrefix(PREFIX);
});

async function receiver(name: string, path: string, events?: string[]) {
  const res = await svc!.http
    .post('/receivers')
    .send({ name, type: 'webhook', url: hooks.url + path, secret: SECRET, events })
    .expect(201);
  receivers.push(res.body.id);
  return res.body as { id: number; events: string[] };
}

async function rolloutOf(strategy: Record<string, unknown>, nodes: number): Promise<number> {
  const res = await svc!.http
    .post('/deployments')
    .send({ name: `devents-${Date.now()}`, target_node_count: nodes, strategy })
    .expect(201);
  deployments.push(res.body.id);
  return res.body.id;
}

async function settled(id: number, statuses: string[]) {
  return pollUntil(
    async () => {
      const d = (await svc!.http.get(`/deployments/${id}`).expect(200)).body;
      return statuses.includes(d.rollout?.status) && d;
    },
    `rollout of ${id} to be ${statuses.join(' or ')}`,
    { timeoutMs: 90_000 },
  );
}

/** What a path received about one deployment (other suites' deployments notify too). */
const about = (path: string, id: number): Received[] =>
  hooks
    .on(path)
    .filter((r) => (r.body as WebhookPayload).alerts?.[0]?.labels.deployment_id === String(id));

const names = (got: Received[]) =>
  got.map((r) => (r.body as WebhookPayload).alerts[0].labels.alertname);

async function eventIds(id: number, type: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM events WHERE deployment_id = $1 AND type = $2 ORDER BY id`,
    [id, type],
  );
  return rows.map((r) => String(r.id));
}

describe('deployment events for receivers', () => {
  it('a halted rollout notifies its subscribers exactly once, with two workers; a completed one too', async () => {
    svc = await startService(env('0.5'));
    const extra = await startService({ ...env('0.5'), APP_ROLE: 'worker' });
    try {
      const haltPath = `/halted-${Date.now()}`;
      const donePath = `/done-${Date.now()}`;
      const alertsPath = `/alerts-only-${Date.now()}`;
      const halts = await receiver('halts', haltPath, ['ROLLOUT_HALTED', 'ROLLOUT_HALTED']);
      expect(halts.events).toEqual(['ROLLOUT_HALTED']);
      const done = await receiver('done', donePath, ['ROLLOUT_COMPLETED', 'DEPLOYMENT_DEGRADED']);
      await receiver('alerts-only', alertsPath);

      const halted = await rolloutOf({ canary: 2, wave_size: 10, max_failure_percent: 20 }, 40);
      // max_failure_percent 100 never halts: the rollout completes with FAILED nodes (degraded).
      const completed = await rolloutOf({ canary: 2, wave_size: 10, max_failure_percent: 100 }, 20);
      const h = await settled(halted, ['halted']);
      await settled(completed, ['completed']);

      const got = await pollUntil(
        async () => about(haltPath, halted)[0],
        'the halted notification',
        { timeoutMs: 90_000 },
      );
      await pollUntil(
        async () => (about(donePath, completed).length >= 2 ? true : undefined),
        'the completed and degraded notifications',
        { timeoutMs: 90_000 },
      );
      // Exactly once: eight more evaluations by either worker notify nothing again.
      await recurringRuns('alerting', 'evaluate-alerts', 8, { prefix: PREFIX, timeoutMs: 90_000 });

      // Exactly one notification per event and subscriber, signed, Alertmanager-shaped.
      expect(about(haltPath, halted)).toHaveLength(1);
      expect(names(about(haltPath, completed))).toEqual([]);
      expect(names(about(donePath, completed)).sort()).toEqual([
        'DeploymentDegraded',
        'RolloutCompleted',
      ]);
      expect(names(about(donePath, halted))).toEqual([]);
      expect(about(alertsPath, halted)).toHaveLength(0);
      expect(about(alertsPath, completed)).toHaveLength(0);
      expect(signatureVerifies(SECRET, got)).toBe(true);
      const body = got.body as WebhookPayload;
      expect(body).toMatchObject({ version: '4', status: 'firing', receiver: 'halts' });
      expect(body.alerts).toHaveLength(1);
      const [haltEvent] = await eventIds(halted, 'ROLLOUT_HALTED');
      expect(body.alerts[0].labels).toEqual({
        alertname: 'RolloutHalted',
        deployment_id: String(halted),
        deployment: expect.stringMatching(/^devents-/),
        event: 'ROLLOUT_HALTED',
        severity: 'critical',
      });
      expect(body.alerts[0].annotations).toMatchObject({
        halted_reason: h.rollout.halted_reason,
        event_id: haltEvent,
        admitted: String(h.rollout.admitted),
        failed_percent: expect.stringMatching(/^\d/),
      });
      expect(body.alerts[0].annotations.halted_reason).toMatch(/^failure budget: /);
      expect(body.alerts[0].endsAt).toBe('0001-01-01T00:00:00Z');

      const log = (await svc.http.get(`/receivers/${halts.id}/deliveries?limit=1000`).expect(200))
        .body as { kind: string; event_id: number; alert_id: null; id: string }[];
      const mine = log.filter((d) => String(d.event_id) === haltEvent);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ kind: 'ROLLOUT_HALTED', alert_id: null });
      expect(mine[0].id).toBe(got.headers['x-netorch-delivery']);

      const doneLog = (
        await svc.http.get(`/receivers/${done.id}/deliveries?limit=1000`).expect(200)
      ).body as { kind: string; event_id: number }[];
      const completedEvents = new Set([
        ...(await eventIds(completed, 'ROLLOUT_COMPLETED')),
        ...(await eventIds(completed, 'DEPLOYMENT_DEGRADED')),
      ]);
      expect(
        doneLog
          .filter((d) => completedEvents.has(String(d.event_id)))
          .map((d) => d.kind)
          .sort(),
      ).toEqual(['DEPLOYMENT_DEGRADED', 'ROLLOUT_COMPLETED']);

      // The status change is on the audit trail once, with its figures.
      const degraded = await db.query(
        `SELECT metadata FROM events WHERE deployment_id = $1 AND type = 'DEPLOYMENT_DEGRADED'`,
        [completed],
      );
      expect(degraded.rows).toHaveLength(1);
      expect(degraded.rows[0].metadata).toMatchObject({ status: 'degraded', nodes: 20 });
      expect(degraded.rows[0].metadata.failed).toBeGreaterThan(0);
    } finally {
      await extra.stop();
    }
  }, 240_000);

  it('a worker SIGKILLed with the notification in flight and a Redis wipe still deliver it once', async () => {
    await svc?.stop();
    svc = await startService(env('0'));
    const path = `/crash-${Date.now()}`;
    hooks.hold(path, 8000);
    const r = await receiver('crash', path, ['ROLLOUT_COMPLETED']);
    const id = await rolloutOf({ canary: 1, wave_size: 5 }, 6);
    await settled(id, ['completed']);
    const inFlight = await pollUntil(async () => about(path, id)[0], 'the notification in flight', {
      timeoutMs: 90_000,
    });
    await svc.kill();
    expect(await deleteQueuePrefix(PREFIX)).toBeGreaterThan(0);
    svc = await startService(env('0'));
    const [event] = await eventIds(id, 'ROLLOUT_COMPLETED');
    // The delivery job went with Redis: the evaluation's sweep queues the pending row again.
    const log = await pollUntil(
      async () => {
        const res = await svc!.http.get(`/receivers/${r.id}/deliveries?limit=1000`).expect(200);
        const mine = (res.body as { event_id: number; status: string }[]).filter(
          (d) => String(d.event_id) === event,
        );
        return mine[0]?.status === 'delivered' && mine;
      },
      'the delivery recorded as delivered',
      { timeoutMs: 150_000 },
    );
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      kind: 'ROLLOUT_COMPLETED',
      id: inFlight.headers['x-netorch-delivery'],
    });
    const got = about(path, id);
    expect(new Set(got.map((g) => g.headers['x-netorch-delivery']))).toEqual(
      new Set([inFlight.headers['x-netorch-delivery']]),
    );
    expect(names(got).every((n) => n === 'RolloutCompleted')).toBe(true);
    expect(got.filter((g) => g.answered === 200).length).toBeGreaterThanOrEqual(1);
  }, 300_000);

  it('refuses unknown event names with 422 and creates nothing', async () => {
    svc ??= await startService(env('0'));
    const before = (await svc.http.get('/receivers').expect(200)).body.length;
    for (const events of [['ROLLOUT_EXPLODED'], ['rollout_halted'], 'ROLLOUT_HALTED', [42]]) {
      const res = await svc.http
        .post('/receivers')
        .send({ name: 'bad', type: 'webhook', url: 'http://127.0.0.1:9/hook', events })
        .expect(422);
      expectError(res.body, 422, /events/);
    }
    expect((await svc.http.get('/receivers').expect(200)).body.length).toBe(before);
  });
});
