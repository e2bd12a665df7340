import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { testPool } from '../support/database';
import { createDeployment } from '../support/deployments';
import { Service, startService } from '../support/service';
import { pollUntil } from '../support/poll';

// API and workers in one process with the default EVENT_RETENTION_DAYS (90).
let service: Service;
let db: Pool;
let redis: Redis;
let maintenance: Queue;

beforeAll(async () => {
  db = testPool();
  service = await startService({ APP_ROLE: 'all', SIM_TIME_SCALE: '0' });
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    maxRetriesPerRequest: null,
  });
  maintenance = new Queue('maintenance', { connection: redis, prefix: process.env.QUEUE_PREFIX });
});

afterAll(async () => {
  await maintenance?.close();
  redis?.disconnect();
  await service?.stop();
  await db?.end();
});

/** Audit rows of a deployment backdated by `days`, as if written then. */
async function backdate(deploymentId: number, days: number, count: number): Promise<number[]> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO events (deployment_id, type, metadata, created_at)
     SELECT $1, 'DEPLOYMENT_UPDATED', jsonb_build_object('n', g), now() - make_interval(days => $2)
     FROM generate_series(1, $3) g RETURNING id`,
    [deploymentId, days, count],
  );
  return rows.map((r) => Number(r.id));
}

async function eventIds(deploymentIds: number[]): Promise<number[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM events WHERE deployment_id = ANY($1::int[]) ORDER BY id`,
    [deploymentIds],
  );
  return rows.map((r) => Number(r.id));
}

describe('event retention', () => {
  it('is a recurring maintenance job', async () => {
    await pollUntil(
      async () => (await maintenance.getJobScheduler('prune-events')) !== undefined,
      'the prune-events schedule',
    );
    const scheduler = await maintenance.getJobScheduler('prune-events');
    expect(Number(scheduler!.every)).toBe(15 * 60_000);
  });

  it('deletes events older than EVENT_RETENTION_DAYS, of live and deleted deployments, and nothing else', async () => {
    const kept = await createDeployment(service, { name: 'kept', target_node_count: 2 });
    const gone = await createDeployment(service, { name: 'gone', target_node_count: 2 });
    await service.http.delete(`/deployments/${gone.id}`).expect(204);
    const recent = await eventIds([kept.id, gone.id]);
    // Just inside the horizon, and well past it (more than one batch of 5,000).
    const edge = await backdate(kept.id, 89, 3);
    const old = [...(await backdate(kept.id, 120, 6000)), ...(await backdate(gone.id, 91, 5))];

    const job = await maintenance.add('prune-events', {});
    await pollUntil(async () => (await job.isCompleted()) || (await job.isFailed()), 'the job');
    const done = await maintenance.getJob(job.id!);
    expect(done!.failedReason).toBeUndefined();
    expect(done!.returnvalue).toMatchObject({ deleted: expect.any(Number), complete: true });
    expect(done!.returnvalue.deleted).toBeGreaterThanOrEqual(6005);

    // (The kept deployment's rollout may still be adding transitions.)
    const left = await eventIds([kept.id, gone.id]);
    expect(left).toEqual(expect.arrayContaining([...recent, ...edge]));
    expect(left.filter((id) => old.includes(id))).toEqual([]);
    // The API still reads what is left.
    const page = await service.http.get(`/events?deployment_id=${gone.id}`).expect(200);
    expect(page.body.events.map((e: { type: string }) => e.type)).toEqual([
      'DEPLOYMENT_CREATED',
      ...page.body.events.slice(1, -1).map(() => 'STATE_CHANGE'),
      'DEPLOYMENT_DELETED',
    ]);
  });
});
