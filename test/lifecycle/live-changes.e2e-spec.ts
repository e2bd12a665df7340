import { Pool } from 'pg';
import { testPool } from '../support/database';
import { createDeployment } from '../support/deployments';
import { Service, startService } from '../support/service';
import { pollUntil } from '../support/poll';
import { pendingJobs, recurringRuns } from '../support/queues';

// A real rollout: API and workers in one process, simulated steps of tens of milliseconds,
// half the nodes failing configuration, telemetry every 200 ms.
let svc: Service;
let db: Pool;

beforeAll(async () => {
  svc = await startService({
    APP_ROLE: 'all',
    SIM_TIME_SCALE: '0.02',
    SIM_FAILURE_RATE: '0.5',
    TELEMETRY_INTERVAL_MS: '200',
  });
  db = testPool();
});

afterAll(async () => {
  await svc?.stop();
  await db?.end();
});

async function states(id: number): Promise<Record<string, number>> {
  const res = await svc.http.get(`/deployments/${id}`).expect(200);
  return res.body.state_counts;
}

async function settled(id: number): Promise<boolean> {
  const c = await states(id);
  return c.PENDING + c.PROVISIONING + c.CONFIGURING === 0;
}

function errorLines(logs: string): string[] {
  return logs.split('\n').filter((l) => /"level":"(error|fatal)"/.test(l));
}

describe('retry on a live service', () => {
  it('takes FAILED nodes through PROVISIONING again to RUNNING or FAILED', async () => {
    const d = await createDeployment(svc, { target_node_count: 10 });
    await pollUntil(() => settled(d.id), 'first rollout');
    const failed = (await svc.http.get(`/deployments/${d.id}/nodes?state=FAILED`)).body.nodes;
    expect(failed.length).toBeGreaterThan(0);
    const single = await svc.http
      .post(`/deployments/${d.id}/nodes/${failed[0].node_id}/retry`)
      .expect(202);
    expect(single.body.attempt).toBe(1);
    if (failed.length > 1) {
      const bulk = await svc.http.post(`/deployments/${d.id}/retry`).expect(202);
      expect(bulk.body.retried).toBe(failed.length - 1);
    }
    await pollUntil(
      async () =>
        (await settled(d.id)) &&
        (
          await db.query(
            `SELECT 1 FROM nodes WHERE deployment_id = $1 AND next_step_at IS NOT NULL`,
            [d.id],
          )
        ).rowCount === 0,
      'retried nodes to settle',
    );
    const { rows } = await db.query(
      `SELECT n.id, n.state, n.attempt,
              array_agg(e.from_state || '>' || e.to_state ORDER BY e.id) AS path
       FROM nodes n JOIN events e ON e.node_id = n.id AND e.type = 'STATE_CHANGE'
       WHERE n.id = ANY($1) GROUP BY n.id`,
      [failed.map((n: { id: number }) => n.id)],
    );
    expect(rows).toHaveLength(failed.length);
    for (const row of rows) {
      expect(row.attempt).toBe(1);
      expect(['RUNNING', 'FAILED']).toContain(row.state);
      expect(row.path).toEqual([
        'PENDING>PROVISIONING',
        'PROVISIONING>CONFIGURING',
        'CONFIGURING>FAILED',
        'FAILED>PROVISIONING',
        'PROVISIONING>CONFIGURING',
        `CONFIGURING>${row.state}`,
      ]);
    }
    const finished = await svc.http.get(`/deployments/${d.id}`).expect(200);
    expect(finished.body.finished_at).not.toBeNull();
  });
});

describe('grow during a rollout', () => {
  it('rolls the added nodes out with the rest', async () => {
    const d = await createDeployment(svc, { target_node_count: 20, max_parallel: 4 });
    const grown = await svc.http.post(`/deployments/${d.id}/nodes`).send({ count: 5 }).expect(201);
    expect(grown.body.nodes[0].node_id).toBe('node-021');
    expect(await settled(d.id)).toBe(false);
    await pollUntil(() => settled(d.id), 'grown rollout');
    const counts = await states(d.id);
    expect(counts.RUNNING + counts.FAILED).toBe(25);
    const added = await db.query(
      `SELECT count(DISTINCT e.node_id)::int AS n FROM events e JOIN nodes n ON n.id = e.node_id
       WHERE e.deployment_id = $1 AND n.seq > 20 AND e.type = 'STATE_CHANGE' AND e.to_state IN ('RUNNING', 'FAILED')`,
      [d.id],
    );
    expect(added.rows[0].n).toBe(5);
  });
});

describe('delete in the middle of a live rollout with telemetry', () => {
  it('leaves no row, job or sample behind and no worker error', async () => {
    const d = await createDeployment(svc, { target_node_count: 60, max_parallel: 3 });
    await pollUntil(
      async () =>
        (await db.query(`SELECT 1 FROM telemetry_samples WHERE deployment_id = $1 LIMIT 1`, [d.id]))
          .rowCount === 1,
      'telemetry of the first RUNNING nodes',
    );
    expect(await settled(d.id)).toBe(false);
    await svc.http.delete(`/deployments/${d.id}`).expect(204);
    // In-flight jobs and ticks run into the deletion: wait until no job of the deployment is
    // left to run and a telemetry tick that began after that has finished.
    const mine = async (queue: string) =>
      (await pendingJobs(queue))
        .filter((j) => (j.data as { deploymentId?: number }).deploymentId === d.id)
        .map((j) => `${j.name} ${j.id}`);
    await pollUntil(
      async () => ({ lifecycle: await mine('lifecycle'), telemetry: await mine('telemetry') }),
      `the jobs of deleted deployment ${d.id} to run out`,
      { until: (left) => left.lifecycle.length === 0 && left.telemetry.length === 0 },
    );
    await recurringRuns('telemetry', 'telemetry-tick', 1);
    for (const name of ['lifecycle', 'telemetry']) expect(await mine(name)).toEqual([]);
    expect(errorLines(svc.logs())).toEqual([]);
    await svc.http.get(`/deployments/${d.id}`).expect(404);
  });
});
