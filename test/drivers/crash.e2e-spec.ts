import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { testPool } from '../support/database';
import { createDeployment } from '../support/deployments';
import { pollUntil } from '../support/poll';
import { Service, startService } from '../support/service';
import { cleanUp } from '../support/suite';

const NAME = 'drivers-crash';

describe('ansible runs through a worker crash and a cancel', () => {
  let api: Service;
  let db: Pool;
  let project: string;
  const workers: Service[] = [];
  const worker = async () => {
    const w = await startService({ APP_ROLE: 'worker', ANSIBLE_PROJECT_DIR: project });
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'netorch-ansible-project-'));
    await cp(join(__dirname, 'ansible-project'), project, { recursive: true });
    db = testPool();
    api = await startService({ APP_ROLE: 'api', ANSIBLE_PROJECT_DIR: project });
  });

  afterAll(async () => {
    for (const w of workers) await w.stop();
    await cleanUp({ service: api, db, name: NAME });
    await rm(project, { recursive: true, force: true });
  });

  const runOf = async (deploymentId: number) =>
    (
      await db.query(
        `SELECT id, status, attempts FROM driver_runs WHERE deployment_id = $1 AND phase = 'provision'`,
        [deploymentId],
      )
    ).rows[0] as { id: string; status: string; attempts: number } | undefined;

  it('takes a run up again after its worker is SIGKILLed mid-playbook; each node ends once', async () => {
    const first = await worker();
    const deployment = await createDeployment(api, {
      name: NAME,
      target_node_count: 3,
      provisioning: {
        driver: 'ansible',
        playbooks: { provision: 'slow.yml', configure: 'configure.yml' },
        extra_vars: { pause_seconds: 5 },
      },
    });
    await pollUntil(() => runOf(deployment.id), 'the playbook started', {
      until: (r) => (r?.attempts ?? 0) >= 1,
    });
    await first.kill();
    workers.splice(workers.indexOf(first), 1);
    await worker();
    await pollUntil(
      () => db.query(`SELECT state FROM nodes WHERE deployment_id = $1`, [deployment.id]),
      'every node ended',
      {
        until: (r) => r.rows.every((n) => n.state === 'RUNNING' || n.state === 'FAILED'),
        timeoutMs: 240_000,
      },
    );
    const { rows: failures } = await db.query(
      `SELECT node_identifier, reason FROM events
       WHERE deployment_id = $1 AND type = 'STATE_CHANGE' AND to_state = 'FAILED'`,
      [deployment.id],
    );
    expect(failures).toEqual([]);
    expect(await runOf(deployment.id)).toMatchObject({ status: 'succeeded', attempts: 2 });
    const { rows: ends } = await db.query(
      `SELECT node_id, count(*)::int AS n FROM events WHERE deployment_id = $1 AND type = 'STATE_CHANGE'
         AND to_state IN ('CONFIGURING', 'RUNNING', 'FAILED') GROUP BY node_id, to_state`,
      [deployment.id],
    );
    expect(ends).toHaveLength(6);
    expect(ends.every((e) => e.n === 1)).toBe(true);
  }, 300_000);

  it('abort?cancel_runs=true stops the playbook (SIGTERM) and fails its nodes `cancelled`', async () => {
    if (workers.length === 0) await worker();
    const deployment = await createDeployment(api, {
      name: NAME,
      target_node_count: 2,
      strategy: {},
      provisioning: {
        driver: 'ansible',
        playbooks: { provision: 'slow.yml', configure: 'configure.yml' },
        extra_vars: { pause_seconds: 300 },
      },
    });
    const run = await pollUntil(() => runOf(deployment.id), 'the playbook started', {
      until: (r) => (r?.attempts ?? 0) >= 1,
    });
    await api.http.post(`/deployments/${deployment.id}/rollout/abort?cancel_runs=true`).expect(202);
    const { rows } = await db.query(
      `SELECT n.state, e.reason FROM nodes n JOIN events e ON e.node_id = n.id AND e.to_state = 'FAILED'
       WHERE n.deployment_id = $1`,
      [deployment.id],
    );
    expect(rows).toEqual([
      { state: 'FAILED', reason: 'cancelled' },
      { state: 'FAILED', reason: 'cancelled' },
    ]);
    expect(await runOf(deployment.id)).toMatchObject({ status: 'cancelled' });
    // The worker noticed and stopped ansible-playbook long before its 300 s pause ended.
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const done = await pollUntil(
        () =>
          redis.hget(`${process.env.QUEUE_PREFIX}:drivers:driver-run-${run!.id}`, 'returnvalue'),
        'the run job ended',
        { timeoutMs: 60_000 },
      );
      expect(JSON.parse(done)).toEqual({ status: 'cancelled' });
    } finally {
      redis.disconnect();
    }
  });
});
