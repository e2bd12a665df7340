import { Pool } from 'pg';
import { testPool } from '../support/database';
import { failedJobs, pendingJobs } from '../support/queues';
import { Service, startService } from '../support/service';
import { createDeployment } from '../support/deployments';
import {
  assertThreeTransitionsPerNode,
  stateCounts,
  waitAllTerminal,
} from '../support/node-states';
import { pollUntil, sleep } from '../support/poll';

describe('Lifecycle rollout (api and worker processes)', () => {
  let db: Pool;
  let api: Service;
  let worker: Service;

  beforeAll(async () => {
    db = testPool();
    [api, worker] = await Promise.all([
      startService({ APP_ROLE: 'api' }),
      startService({ APP_ROLE: 'worker', SIM_TIME_SCALE: '0.02' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await db?.end();
  });

  it('rolls a 1,000-node deployment out: every node terminal, 5% failed, three events each', async () => {
    const id = (await createDeployment(api, { target_node_count: 1000 })).id;
    await waitAllTerminal(db, id, 1000);

    const counts = await stateCounts(db, id);
    // Within 2% of SIM_FAILURE_RATE, counted in nodes: 1000 x 0.05 = 50 +/- 20 (integers, so
    // 70 of 1000 is not thrown out by 0.07 - 0.05 = 0.020000000000000004).
    expect(Math.abs(counts.FAILED - 50)).toBeLessThanOrEqual(20);
    expect(await assertThreeTransitionsPerNode(db, id)).toBe(1000);

    const { rows: nodes } = await db.query(
      `SELECT count(DISTINCT ip_address)::int AS ips, count(*) FILTER (WHERE next_step_at IS NOT NULL)::int AS scheduled
       FROM nodes WHERE deployment_id = $1`,
      [id],
    );
    expect(nodes[0]).toEqual({ ips: 1000, scheduled: 0 });

    // The creating request's id follows its nodes into the events that admitted them.
    const { rows: admitted } = await db.query(
      `SELECT count(*)::int AS n, count(DISTINCT e.request_id)::int AS ids
       FROM events e JOIN events c ON c.deployment_id = e.deployment_id AND c.type = 'DEPLOYMENT_CREATED'
       WHERE e.deployment_id = $1 AND e.from_state = 'PENDING' AND e.request_id = c.request_id`,
      [id],
    );
    expect(admitted[0]).toEqual({ n: 1000, ids: 1 });

    const detail = await api.http.get(`/deployments/${id}`).expect(200);
    expect(detail.body.progress_percent).toBe(100);
    expect(detail.body.state_counts.RUNNING + detail.body.state_counts.FAILED).toBe(1000);
    expect(detail.body.started_at).toEqual(expect.any(String));
    expect(detail.body.finished_at).toEqual(expect.any(String));
    expect(Date.parse(detail.body.finished_at)).toBeGreaterThanOrEqual(
      Date.parse(detail.body.started_at),
    );
  });

  it('never has more than max_parallel nodes PROVISIONING or CONFIGURING', async () => {
    const maxParallel = 25;
    const id = (await createDeployment(api, { target_node_count: 300, max_parallel: maxParallel }))
      .id;
    let peak = 0;
    let samples = 0;
    for (;;) {
      const counts = await stateCounts(db, id);
      const active = (counts.PROVISIONING ?? 0) + (counts.CONFIGURING ?? 0);
      peak = Math.max(peak, active);
      samples++;
      if ((counts.RUNNING ?? 0) + (counts.FAILED ?? 0) === 300) break;
      // Paces the sampling; the loop ends on the state (every node terminal), not on time.
      await sleep(20);
    }
    expect(samples).toBeGreaterThan(5);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(maxParallel);

    // Replaying the audit trail in id order (admissions only follow committed completions)
    // shows the limit held between the samples too.
    const { rows } = await db.query<{ from_state: string; to_state: string }>(
      `SELECT from_state, to_state FROM events
       WHERE deployment_id = $1 AND type = 'STATE_CHANGE' ORDER BY id`,
      [id],
    );
    let active = 0;
    let replayPeak = 0;
    for (const e of rows) {
      if (e.from_state === 'PENDING') active++;
      if (e.to_state === 'RUNNING' || e.to_state === 'FAILED') active--;
      replayPeak = Math.max(replayPeak, active);
    }
    expect(rows).toHaveLength(900);
    expect(replayPeak).toBe(maxParallel);
    expect(await assertThreeTransitionsPerNode(db, id)).toBe(300);
  });

  it('takes a FAILED node marked for retry back through PROVISIONING with its new attempt', async () => {
    const id = (await createDeployment(api, { target_node_count: 200 })).id;
    await waitAllTerminal(db, id, 200);
    const { rows: failed } = await db.query<{ id: number }>(
      `SELECT id FROM nodes WHERE deployment_id = $1 AND state = 'FAILED' ORDER BY id LIMIT 1`,
      [id],
    );
    expect(failed).toHaveLength(1);
    const nodeId = failed[0].id;
    // What the retry endpoint commits; the worker's reconciler picks it up without a hook call.
    await db.query(`UPDATE nodes SET attempt = attempt + 1, next_step_at = now() WHERE id = $1`, [
      nodeId,
    ]);
    await db.query(`UPDATE deployments SET finished_at = NULL WHERE id = $1`, [id]);
    await waitAllTerminal(db, id, 200);
    await pollUntil(async () => {
      const { rows } = await db.query(
        `SELECT finished_at FROM deployments WHERE id = $1 AND finished_at IS NOT NULL`,
        [id],
      );
      return rows.length > 0;
    }, `deployment ${id} finished again`);
    const { rows: path } = await db.query(
      `SELECT from_state, to_state, reason, (metadata->>'attempt')::int AS attempt
       FROM events WHERE node_id = $1 AND type = 'STATE_CHANGE' ORDER BY id`,
      [nodeId],
    );
    expect(path.slice(3, 5)).toEqual([
      { from_state: 'FAILED', to_state: 'PROVISIONING', reason: 'retry', attempt: 1 },
      { from_state: 'PROVISIONING', to_state: 'CONFIGURING', reason: 'provisioned', attempt: 1 },
    ]);
    expect(path).toHaveLength(6);
    expect(path[5].from_state).toBe('CONFIGURING');
  });

  it('lets a wake-up of a deleted deployment end quietly', async () => {
    const id = (await createDeployment(api, { target_node_count: 1000 })).id;
    // Delete once the worker has the rollout in hand: its next wake-ups are armed.
    await pollUntil(() => stateCounts(db, id), `a node of deployment ${id} admitted`, {
      until: (counts) => (counts.PENDING ?? 0) < 1000,
    });
    await db.query(`DELETE FROM deployments WHERE id = $1`, [id]);
    // Nodes have no foreign key (per-row checks on the hot path); a trigger cascades. Events
    // outlive the deployment (the audit trail; retention removes them by age).
    const { rows: left } = await db.query(
      `SELECT (SELECT count(*) FROM nodes WHERE deployment_id = $1)::int AS nodes,
              (SELECT count(*) FROM events WHERE deployment_id = $1)::int > 0 AS events`,
      [id],
    );
    expect(left[0]).toEqual({ nodes: 0, events: true });
    // The shard's pending wake-ups fire against the missing rows and arm no further one.
    await pollUntil(
      async () => (await pendingJobs('lifecycle')).filter((j) => j.data.deploymentId === id),
      `every wake-up of deleted deployment ${id} run`,
      { until: (jobs) => jobs.length === 0 },
    );
    const health = await api.http.get('/health').expect(200);
    expect(health.body.active_workers).toBe(true);
    expect(await failedJobs('lifecycle')).toEqual([]);
    expect(health.body.queues.lifecycle.failed).toBe(0);
    expect(worker.logs()).not.toMatch(/"level":"error"/);
  });
});
