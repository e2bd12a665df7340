import { Pool } from 'pg';
import { testPool } from '../support/database';
import { deleteQueuePrefix } from '../support/queues';
import { pollUntil, sleep } from '../support/poll';
import { Service, startService } from '../support/service';

/** Every wave's first admission comes after the previous wave's last node ended (event ids). */
async function expectWavesInOrder(db: Pool, id: number, ends: number[], transitions: number) {
  const waveOf = (seq: number) => ends.findIndex((e) => seq <= e);
  const { rows } = await db.query<{
    id: string;
    seq: number;
    from_state: string;
    to_state: string;
  }>(
    `SELECT e.id, n.seq, e.from_state, e.to_state FROM events e JOIN nodes n ON n.id = e.node_id
     WHERE e.deployment_id = $1 AND e.type = 'STATE_CHANGE' ORDER BY e.id`,
    [id],
  );
  expect(rows).toHaveLength(transitions);
  for (let wave = 1; wave < ends.length; wave++) {
    const lastEnd = Math.max(
      ...rows
        .filter((r) => waveOf(r.seq) === wave - 1 && ['RUNNING', 'FAILED'].includes(r.to_state))
        .map((r) => Number(r.id)),
    );
    const firstAdmission = Math.min(
      ...rows
        .filter((r) => waveOf(r.seq) === wave && r.from_state === 'PENDING')
        .map((r) => Number(r.id)),
    );
    expect({ wave, before: lastEnd < firstAdmission }).toEqual({ wave, before: true });
  }
}

interface Rollout {
  status: string;
  wave: number;
  waves_total: number;
  admitted: number;
  failed_percent: number;
  halted_reason: string | null;
}

describe('Rollout strategies', () => {
  let db: Pool;
  let api: Service;
  let worker: Service;
  let failing: Service | undefined;

  beforeAll(async () => {
    db = testPool();
    [api, worker] = await Promise.all([
      startService({ APP_ROLE: 'api' }),
      startService({ APP_ROLE: 'worker', SIM_TIME_SCALE: '0.02', SIM_FAILURE_RATE: '0' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop(), failing?.stop()]);
    await db?.end();
  });

  async function create(count: number, strategy: unknown): Promise<number> {
    const res = await api.http
      .post('/deployments')
      .send({ name: `waves-${count}`, target_node_count: count, strategy })
      .expect(201);
    return res.body.id;
  }

  async function rollout(id: number): Promise<Rollout> {
    return (await api.http.get(`/deployments/${id}`).expect(200)).body.rollout;
  }

  /**
   * A stopped rollout's status in the deployment's detail, the fleet list, the metrics' count by
   * status (a snapshot at most 2 s old) and the status alerting records for the deployment.
   */
  async function expectStatusEverywhere(id: number, status: string): Promise<void> {
    expect((await api.http.get(`/deployments/${id}`).expect(200)).body.status).toBe(status);
    const list = await api.http.get('/deployments?limit=100').expect(200);
    const listed = (list.body.items ?? list.body).find((d: { id: number }) => d.id === id);
    expect(listed.status).toBe(status);
    await pollUntil(async () => {
      const metrics = (await api.http.get('/metrics').expect(200)).text;
      const m = new RegExp(
        `^netorch_deployments_by_status\\{status="${status}"\\} (\\d+)`,
        'm',
      ).exec(metrics);
      return m && Number(m[1]) >= 1 ? true : undefined;
    }, `netorch_deployments_by_status{status="${status}"}`);
    await pollUntil(async () => {
      const { rows } = await db.query<{ status: string }>(
        `SELECT status FROM alert_deployment_statuses WHERE deployment_id = $1`,
        [id],
      );
      return rows[0]?.status === status ? true : undefined;
    }, `alerting's status ${status}`);
  }

  const settled = (id: number, statuses: string[]) =>
    pollUntil(
      async () => {
        const r = await rollout(id);
        return statuses.includes(r.status) ? r : undefined;
      },
      `rollout of ${id} to be ${statuses.join(' or ')}`,
    );

  it('runs the canary, then each wave only once the previous one is done, checked from the events', async () => {
    const id = await create(60, { canary: 1, wave_size: 20 });
    const done = await settled(id, ['completed']);
    expect(done).toMatchObject({ wave: 3, waves_total: 4, admitted: 60, failed_percent: 0 });
    await expectWavesInOrder(db, id, [1, 21, 41, 60], 180);
    const { rows: waves } = await db.query<{ type: string; wave: number }>(
      `SELECT type, (metadata->>'wave')::int AS wave FROM events
       WHERE deployment_id = $1 AND type LIKE 'ROLLOUT_%' ORDER BY id`,
      [id],
    );
    expect(waves.map((w) => `${w.type}:${w.wave ?? ''}`)).toEqual([
      'ROLLOUT_WAVE_STARTED:0',
      'ROLLOUT_WAVE_COMPLETED:0',
      'ROLLOUT_WAVE_STARTED:1',
      'ROLLOUT_WAVE_COMPLETED:1',
      'ROLLOUT_WAVE_STARTED:2',
      'ROLLOUT_WAVE_COMPLETED:2',
      'ROLLOUT_WAVE_STARTED:3',
      'ROLLOUT_WAVE_COMPLETED:3',
      'ROLLOUT_COMPLETED:',
    ]);
    const detail = (await api.http.get(`/deployments/${id}`).expect(200)).body;
    expect(detail.finished_at).toEqual(expect.any(String));
  });

  it('survives a SIGKILLed worker and a Redis wipe mid-wave, never admitting a wave early', async () => {
    const id = await create(500, { canary: 10, wave_size: 100 });
    await pollUntil(
      async () => ((await rollout(id)).wave >= 1 ? true : undefined),
      'wave 1 to be under way',
    );
    await worker.kill();
    await deleteQueuePrefix(process.env.QUEUE_PREFIX);
    worker = await startService({
      APP_ROLE: 'worker',
      SIM_TIME_SCALE: '0.02',
      SIM_FAILURE_RATE: '0',
    });
    const done = await settled(id, ['completed']);
    expect(done).toMatchObject({ waves_total: 6, admitted: 500 });
    await expectWavesInOrder(db, id, [10, 110, 210, 310, 410, 500], 1500);
  });

  it("order 'role' finishes every spine before any leaf is admitted", async () => {
    const res = await api.http
      .post('/deployments')
      .send({
        name: 'fabric-waves',
        topology: { spines: 2, leaves: 6, border_leaves: 1 },
        strategy: { order: 'role', wave_size: 4 },
      })
      .expect(201);
    const id = res.body.id as number;
    const done = await settled(id, ['completed']);
    // Spines 1-2, the border leaf 3, leaves 4-7 and 8-9: a wave never mixes roles.
    expect(done).toMatchObject({ waves_total: 4, admitted: 9 });
    const { rows } = await db.query<{
      id: string;
      role: string;
      from_state: string;
      to_state: string;
    }>(
      `SELECT e.id, n.role, e.from_state, e.to_state FROM events e JOIN nodes n ON n.id = e.node_id
       WHERE e.deployment_id = $1 AND e.type = 'STATE_CHANGE' ORDER BY e.id`,
      [id],
    );
    const lastSpineEnd = Math.max(
      ...rows
        .filter((r) => r.role === 'spine' && ['RUNNING', 'FAILED'].includes(r.to_state))
        .map((r) => Number(r.id)),
    );
    const firstLeafAdmission = Math.min(
      ...rows
        .filter((r) => r.role !== 'spine' && r.from_state === 'PENDING')
        .map((r) => Number(r.id)),
    );
    expect(lastSpineEnd).toBeLessThan(firstLeafAdmission);
  });

  it('pauses admissions at once, lets nodes in flight finish, and resumes', async () => {
    const id = await create(400, { wave_size: 100, wave_pause_seconds: 0 });
    await pollUntil(
      async () => ((await rollout(id)).admitted > 0 ? true : undefined),
      'the first admissions',
    );
    await api.http.post(`/deployments/${id}/rollout/pause`).expect(202);
    await api.http
      .post(`/deployments/${id}/rollout/pause`)
      .expect(409)
      .expect((res) => expect(res.body.detail).toMatch(/The rollout is paused/));
    // Once the nodes in flight are done, the admitted count stands still.
    const still = await pollUntil(async () => {
      const d = (await api.http.get(`/deployments/${id}`)).body;
      return d.state_counts.PROVISIONING + d.state_counts.CONFIGURING === 0 ? d : undefined;
    }, 'the nodes in flight to finish');
    // Proves no admission while paused: 800 ms is many simulated steps (tens of ms each) in
    // which a wrong admission would show; a slow machine can only make it pass, never fail.
    await sleep(800);
    const later = (await api.http.get(`/deployments/${id}`)).body;
    expect(later.rollout.status).toBe('paused');
    expect(later.rollout.admitted).toBe(still.rollout.admitted);
    expect(later.state_counts.PENDING).toBeGreaterThan(0);
    // The deployment shows the stop, in its detail, the fleet list and the metrics.
    expect(later.status).toBe('paused');
    expect(later.progress_percent).toBe(still.progress_percent);
    await expectStatusEverywhere(id, 'paused');
    await api.http.post(`/deployments/${id}/rollout/resume`).expect(202);
    await settled(id, ['completed']);
    expect((await api.http.get(`/deployments/${id}`)).body.status).toBe('running');
  });

  it('aborts: nodes still PENDING are never admitted', async () => {
    // A long pause after the canary: the abort always comes before wave 1 could start.
    const id = await create(300, { canary: 1, wave_size: 100, wave_pause_seconds: 60 });
    await pollUntil(
      async () => ((await rollout(id)).admitted >= 1 ? true : undefined),
      'the canary to end',
    );
    const aborted = await api.http.post(`/deployments/${id}/rollout/abort`).expect(202);
    expect(aborted.body.status).toBe('aborted');
    // Proves nothing PENDING is admitted after the abort: 3 s is many simulated steps; a slow
    // machine can only make it pass, never fail.
    await sleep(3000);
    const d = (await api.http.get(`/deployments/${id}`).expect(200)).body;
    expect(d.rollout.status).toBe('aborted');
    expect(d.state_counts.PENDING).toBe(299);
    expect(d.status).toBe('aborted');
    expect(d.progress_percent).toBeCloseTo(100 / 300, 2);
    await expectStatusEverywhere(id, 'aborted');
    await api.http.post(`/deployments/${id}/rollout/resume`).expect(409);
    await api.http.post(`/deployments/${id}/rollout/abort`).expect(409);
  });

  it('halts on the failure budget, at the first wave past it, and an operator resume goes on', async () => {
    await worker.stop();
    failing = await startService({
      APP_ROLE: 'worker',
      SIM_TIME_SCALE: '0.02',
      SIM_FAILURE_RATE: '0.5',
    });
    try {
      const id = await create(40, { canary: 2, wave_size: 10, max_failure_percent: 20 });
      const halted = await settled(id, ['halted', 'completed']);
      expect(halted.status).toBe('halted');
      expect(halted.halted_reason).toMatch(
        /^failure budget: \d+ of \d+ admitted nodes failed \([\d.]+%\), more than max_failure_percent 20%$/,
      );
      // Every node of the waves so far is done; no node of a later wave was admitted.
      const { rows } = await db.query<{ pending: number; started: number }>(
        `SELECT count(*) FILTER (WHERE state = 'PENDING')::int AS pending,
                count(*) FILTER (WHERE state <> 'PENDING')::int AS started
         FROM nodes WHERE deployment_id = $1`,
        [id],
      );
      expect(rows[0].started).toBe(halted.admitted);
      expect(rows[0].pending).toBe(40 - halted.admitted);
      await expectStatusEverywhere(id, 'halted');
      // Proves the halted rollout admits nothing more: 500 ms is many simulated steps; a slow
      // machine can only make it pass, never fail.
      await sleep(500);
      expect((await rollout(id)).admitted).toBe(halted.admitted);
      await api.http.post(`/deployments/${id}/rollout/resume`).expect(202);
      await pollUntil(async () => {
        const r = await rollout(id);
        return r.wave > halted.wave ? r : undefined;
      }, 'the next wave');
    } finally {
      await failing.stop();
      failing = undefined;
      worker = await startService({
        APP_ROLE: 'worker',
        SIM_TIME_SCALE: '0.02',
        SIM_FAILURE_RATE: '0',
      });
    }
  });

  it('halts at the telemetry gate on a wave with slow nodes, after passing healthy ones', async () => {
    await worker.stop();
    const gated = await startService({
      APP_ROLE: 'worker',
      SIM_TIME_SCALE: '0.02',
      SIM_FAILURE_RATE: '0',
      TELEMETRY_INTERVAL_MS: '500',
    });
    try {
      // Node numbers ending in 8 or 9 are the simulation's slow minority: waves 0 (node-001) and
      // 1 (node-002..007) are healthy, wave 2 (node-008..013) holds two slow nodes of six.
      const id = await create(20, {
        canary: 1,
        wave_size: 6,
        // 20%: one healthy node flagged by chance in a wave of six (16.7%) does not halt it.
        gate: { soak_seconds: 3, max_bottleneck_percent: 20 },
      });
      const halted = await settled(id, ['halted', 'completed']);
      expect(halted.halted_reason).toMatch(
        /^telemetry gate: [2-6] of 6 nodes of wave 2 flagged \([\d.]+%\), more than max_bottleneck_percent 20%: (node-0\d\d, )*node-008, node-009(, node-0\d\d)*$/,
      );
      expect(halted).toMatchObject({ status: 'halted', wave: 2 });
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM nodes WHERE deployment_id = $1 AND state <> 'PENDING'`,
        [id],
      );
      expect(rows[0].n).toBe(13);
    } finally {
      await gated.stop();
      worker = await startService({
        APP_ROLE: 'worker',
        SIM_TIME_SCALE: '0.02',
        SIM_FAILURE_RATE: '0',
      });
    }
  });

  it('halts at the gate when a RUNNING node of the wave reports no telemetry within the grace', async () => {
    await worker.stop();
    // Collection once an hour: the canary comes up RUNNING and never reports a sample.
    const quiet = await startService({
      APP_ROLE: 'worker',
      SIM_TIME_SCALE: '0.02',
      SIM_FAILURE_RATE: '0',
      TELEMETRY_INTERVAL_MS: '3600000',
      ROLLOUT_GATE_TELEMETRY_GRACE_SECONDS: '2',
    });
    try {
      const id = await create(4, {
        canary: 1,
        gate: { soak_seconds: 1, max_bottleneck_percent: 50 },
      });
      const halted = await settled(id, ['halted', 'completed']);
      expect(halted).toMatchObject({ status: 'halted', wave: 0, admitted: 1 });
      expect(halted.halted_reason).toBe(
        'telemetry gate: 1 of 1 nodes of wave 0 reported no telemetry since the wave ended: node-001',
      );
      const { rows } = await db.query(
        `SELECT metadata FROM events WHERE deployment_id = $1 AND type = 'ROLLOUT_HALTED'`,
        [id],
      );
      expect(rows).toEqual([
        { metadata: expect.objectContaining({ wave: 0, silent: ['node-001'] }) },
      ]);
      const { rows: moved } = await db.query(
        `SELECT count(*)::int AS n FROM nodes WHERE deployment_id = $1 AND state <> 'PENDING'`,
        [id],
      );
      expect(moved[0].n).toBe(1);
    } finally {
      await quiet.stop();
      worker = await startService({
        APP_ROLE: 'worker',
        SIM_TIME_SCALE: '0.02',
        SIM_FAILURE_RATE: '0',
      });
    }
  });

  it('refuses bad strategies with 422 naming the field, and creates nothing', async () => {
    const before = (await db.query(`SELECT count(*)::int AS n FROM deployments`)).rows[0].n;
    const bad: [unknown, RegExp][] = [
      [{ wave_size: 10, wave_percent: 10 }, /wave_size and strategy.wave_percent/],
      [{ canary: -1 }, /strategy\.canary/],
      [{ wave_percent: 0 }, /strategy\.wave_percent/],
      [{ wave_percent: 101 }, /strategy\.wave_percent/],
      [{ max_failure_percent: 150 }, /strategy\.max_failure_percent/],
      [{ order: 'random' }, /strategy\.order/],
      [{ gate: { soak_seconds: -5, max_bottleneck_percent: 10 } }, /strategy\.gate\.soak_seconds/],
      [{ waves: 3 }, /strategy\.waves: property waves should not exist/],
    ];
    for (const [strategy, detail] of bad) {
      const res = await api.http
        .post('/deployments')
        .send({ name: 'bad', target_node_count: 10, strategy })
        .expect(422);
      expect(res.body.detail).toMatch(detail);
    }
    expect((await db.query(`SELECT count(*)::int AS n FROM deployments`)).rows[0].n).toBe(before);
  });

  it('answers 409 without a strategy and 412 for a stale If-Match', async () => {
    const plain = await api.http
      .post('/deployments')
      .send({ name: 'plain', target_node_count: 3 })
      .expect(201);
    expect((await api.http.get(`/deployments/${plain.body.id}`)).body.rollout).toBeNull();
    await api.http.post(`/deployments/${plain.body.id}/rollout/pause`).expect(409);
    const id = await create(200, { wave_size: 50, wave_pause_seconds: 30 });
    await api.http.post(`/deployments/${id}/rollout/pause`).set('If-Match', '"99"').expect(412);
    await api.http.post(`/deployments/${id}/rollout/pause`).set('If-Match', '"1"').expect(202);
    await api.http.post(`/deployments/9999999/rollout/pause`).expect(404);
  });
});
