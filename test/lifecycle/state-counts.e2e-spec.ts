import { Pool } from 'pg';
import { testPool } from '../support/database';
import { Service, startService } from '../support/service';
import { createDeployment } from '../support/deployments';
import { stateCounts, waitAllTerminal } from '../support/node-states';
import { pollUntil, sleep } from '../support/poll';
import { deleteQueueKeys } from '../support/queues';

const STATES = ['PENDING', 'PROVISIONING', 'CONFIGURING', 'RUNNING', 'FAILED'];

/** Every state, zeros included, as a real count over the node rows. */
async function realCounts(db: Pool, id: number): Promise<Record<string, number>> {
  const counted = await stateCounts(db, id);
  return Object.fromEntries(STATES.map((s) => [s, counted[s] ?? 0]));
}

/**
 * The node counts per state that GET /deployments/{id} serves are kept by triggers on nodes in
 * the same transaction as every change: they must equal a real count at every moment, whatever
 * happened to the workers and Redis.
 */
describe('Node state counts', () => {
  let db: Pool;
  let api: Service;
  let worker: Service;

  beforeAll(async () => {
    db = testPool();
    api = await startService({ APP_ROLE: 'api' });
    worker = await startService({ APP_ROLE: 'worker', SIM_TIME_SCALE: '0.05' });
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await db?.end();
  });

  async function expectExact(id: number): Promise<void> {
    // One snapshot for both sides: the counts and the rows they stand for.
    const client = await db.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const { rows } = await client.query(
        `SELECT COALESCE(sum(pending), 0)::int AS "PENDING",
                COALESCE(sum(provisioning), 0)::int AS "PROVISIONING",
                COALESCE(sum(configuring), 0)::int AS "CONFIGURING",
                COALESCE(sum(running), 0)::int AS "RUNNING",
                COALESCE(sum(failed), 0)::int AS "FAILED"
         FROM node_state_counts WHERE deployment_id = $1`,
        [id],
      );
      const counted = await client.query<{ state: string; n: number }>(
        `SELECT state, count(*)::int AS n FROM nodes WHERE deployment_id = $1 GROUP BY state`,
        [id],
      );
      await client.query('COMMIT');
      const real = Object.fromEntries(STATES.map((s) => [s, 0]));
      for (const r of counted.rows) real[r.state] = r.n;
      expect({ id, kept: rows[0] }).toEqual({ id, kept: real });
    } finally {
      client.release();
    }
  }

  it('equal a real count through a rollout, grow, decommission, retry, a SIGKILLed worker and a Redis wipe', async () => {
    const big = (await createDeployment(api, { target_node_count: 4500 })).id;
    const limited = (await createDeployment(api, { target_node_count: 300, max_parallel: 40 })).id;
    await api.http.post(`/deployments/${big}/nodes`).send({ count: 700 }).expect(201);
    for (let i = 0; i < 3; i++) {
      // Samples the counts at three moments of the rollout; any moment must hold.
      await sleep(300);
      for (const id of [big, limited]) await expectExact(id);
    }

    // A crash in the middle of the rollout, and Redis losing every job.
    await worker.kill();
    await deleteQueueKeys();
    for (const id of [big, limited]) await expectExact(id);
    worker = await startService({ APP_ROLE: 'worker', SIM_TIME_SCALE: '0.05' });

    // Decommission nodes while they move.
    for (const name of ['node-001', 'node-2001', 'node-5200']) {
      await api.http.delete(`/deployments/${big}/nodes/${name}`).expect(204);
    }
    await expectExact(big);

    await waitAllTerminal(db, big, 5197);
    await waitAllTerminal(db, limited, 300);
    for (const id of [big, limited]) await expectExact(id);

    // Retry marks change no state; the retried nodes move again.
    const retried = await api.http.post(`/deployments/${big}/retry`).expect(202);
    expect(retried.body.retried).toBeGreaterThan(0);
    await expectExact(big);
    // Retried nodes count as FAILED until a worker moves them: wait until none is scheduled.
    await pollUntil(
      async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM nodes WHERE deployment_id = $1 AND next_step_at IS NOT NULL`,
          [big],
        );
        return rows[0].n as number;
      },
      'every retried node to settle',
      { timeoutMs: 90_000, until: (scheduled) => scheduled === 0 },
    );
    await expectExact(big);

    // What the API serves is the kept count.
    const detail = await api.http.get(`/deployments/${big}`).expect(200);
    expect(detail.body.state_counts).toEqual(await realCounts(db, big));
    expect(detail.body.current_node_count).toBe(5197);

    // A deleted deployment leaves no counts behind.
    await api.http.delete(`/deployments/${limited}`).expect(204);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM node_state_counts WHERE deployment_id = $1`,
      [limited],
    );
    expect(rows[0].n).toBe(0);
    await api.http.delete(`/deployments/${big}`).expect(204);
  });
});
