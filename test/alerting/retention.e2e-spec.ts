import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { testPool } from '../support/database';
import { pollUntil } from '../support/poll';
import { deleteQueuePrefix, recurringRuns } from '../support/queues';
import { Service, startService } from '../support/service';

const PREFIX = `${process.env.QUEUE_PREFIX}_alert_retention`;
// Rows of a rule and deployment that do not exist: no evaluation touches them but the prune.
const RULE = 2_147_000_000 + (process.pid % 100_000);
const DEPLOYMENT = RULE;

let svc: Service;
let db: Pool;
let receiverId: number;
const alertIds: string[] = [];
const deliveryIds: string[] = [];

beforeAll(async () => {
  db = testPool();
  svc = await startService({ QUEUE_PREFIX: PREFIX, ALERT_EVAL_INTERVAL_MS: '400' });
  const r = await svc.http
    .post('/receivers')
    .send({ name: 'retention', type: 'webhook', url: 'http://127.0.0.1:9/never' })
    .expect(201);
  receiverId = r.body.id;
});

afterAll(async () => {
  await db?.query(`DELETE FROM alerts WHERE id = ANY($1::bigint[])`, [alertIds]);
  await db?.query(`DELETE FROM alert_deliveries WHERE id = ANY($1::uuid[])`, [deliveryIds]);
  if (receiverId) await svc?.http.delete(`/receivers/${receiverId}`);
  await db?.end();
  await svc?.stop();
  await deleteQueuePrefix(PREFIX);
});

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);

async function alert(node: number, state: string, endsAt: Date | null): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO alerts (fingerprint, rule_id, rule_name, deployment_id, node_id, node_identifier,
                         state, active_since, starts_at, ends_at, last_breach_at, deviation_score,
                         metrics)
     VALUES ($7, $2, 'retention', $3, $1, 'node-x', $4, $5, $5, $6, $5, 1, '{}')
     RETURNING id`,
    [node, RULE, DEPLOYMENT, state, daysAgo(30), endsAt, String(node).padStart(16, '0')],
  );
  alertIds.push(String(rows[0].id));
  return String(rows[0].id);
}

async function delivery(status: string, createdAt: Date, attemptsAt: Date[]): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO alert_deliveries (id, receiver_id, dedupe_key, kind, status, body, created_at)
     VALUES ($1, $2, $3, 'firing', $4, '{}', $5)`,
    [id, receiverId, `retention:${id}`, status, createdAt],
  );
  for (const at of attemptsAt) {
    await db.query(
      `INSERT INTO alert_delivery_attempts (delivery_id, attempted_at, duration_ms, http_status)
       VALUES ($1, $2, 3, 200)`,
      [id, at],
    );
  }
  deliveryIds.push(id);
  return id;
}

describe('alerting retention (ALERT_RETENTION_DAYS, default 7)', () => {
  it('prunes resolved alerts and delivery records older than the retention, keeps the rest', async () => {
    const oldResolved = await alert(1, 'resolved', daysAgo(8));
    const newResolved = await alert(2, 'resolved', daysAgo(1));
    const longFiring = await alert(3, 'firing', null);
    const oldDelivered = await delivery('delivered', daysAgo(8), [daysAgo(8)]);
    const oldFailed = await delivery('failed', daysAgo(9), [daysAgo(9), daysAgo(8.9)]);
    const newDelivered = await delivery('delivered', daysAgo(1), [daysAgo(1)]);

    // The next evaluation finds a prune due (whatever the service pruned when it started).
    await db.query(`UPDATE alert_event_cursor SET pruned_at = NULL`);
    await pollUntil(
      async () => (await db.query(`SELECT pruned_at FROM alert_event_cursor`)).rows[0].pruned_at,
      'a prune to run',
    );
    // The prune commits its deletes after it marks itself: wait for every old row to go.
    await pollUntil(
      async () => {
        const { rows } = await db.query(
          `SELECT (SELECT count(*) FROM alerts WHERE id = $1)::int AS alerts,
                  (SELECT count(*) FROM alert_deliveries WHERE id = ANY($2::uuid[]))::int
                    AS deliveries,
                  (SELECT count(*) FROM alert_delivery_attempts
                   WHERE delivery_id = ANY($2::uuid[]))::int AS attempts`,
          [oldResolved, [oldDelivered, oldFailed]],
        );
        return rows[0] as { alerts: number; deliveries: number; attempts: number };
      },
      'the old alert and delivery records to be pruned',
      { until: (left) => left.alerts + left.deliveries + left.attempts === 0 },
    );
    // What must stay could only go within that prune: let one later evaluation finish first.
    await recurringRuns('alerting', 'evaluate-alerts', 1, { prefix: PREFIX });

    const { rows: alerts } = await db.query<{ id: string }>(
      `SELECT id FROM alerts WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [alertIds],
    );
    expect(alerts.map((a) => String(a.id))).toEqual([newResolved, longFiring]);
    const { rows: deliveries } = await db.query<{ id: string }>(
      `SELECT id FROM alert_deliveries WHERE id = ANY($1::uuid[])`,
      [deliveryIds],
    );
    expect(deliveries.map((d) => d.id)).toEqual([newDelivered]);
    expect(deliveries.map((d) => d.id)).not.toContain(oldDelivered);
    expect(deliveries.map((d) => d.id)).not.toContain(oldFailed);
    const { rows: attempts } = await db.query<{ delivery_id: string; n: number }>(
      `SELECT delivery_id, count(*)::int AS n FROM alert_delivery_attempts
       WHERE delivery_id = ANY($1::uuid[]) GROUP BY delivery_id`,
      [deliveryIds],
    );
    expect(Object.fromEntries(attempts.map((a) => [a.delivery_id, a.n]))).toEqual({
      [newDelivered]: 1,
    });
    // The receiver's log shows what is left.
    const log = (await svc.http.get(`/receivers/${receiverId}/deliveries`).expect(200)).body;
    expect(log.map((d: { id: string }) => d.id)).toEqual([newDelivered]);
  });
});
