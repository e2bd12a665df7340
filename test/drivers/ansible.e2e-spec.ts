import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { testPool } from '../support/database';
import { createDeployment } from '../support/deployments';
import { pollUntil } from '../support/poll';
import { Service, startService } from '../support/service';
import { cleanUp } from '../support/suite';

const NAME = 'drivers-ansible';

interface NodeView {
  id: number;
  node_id: string;
  state: string;
}

describe('ansible driver (real ansible-playbook, connection local)', () => {
  let service: Service;
  let db: Pool;
  let project: string;

  beforeAll(async () => {
    // A private copy of the test project, with a symlink that leads out of it.
    project = await mkdtemp(join(tmpdir(), 'netorch-ansible-project-'));
    await cp(join(__dirname, 'ansible-project'), project, { recursive: true });
    await symlink('/etc/hostname', join(project, 'escape.yml'));
    db = testPool();
    service = await startService({
      ANSIBLE_PROJECT_DIR: project,
      ANSIBLE_MAX_CONCURRENT_RUNS: '2',
    });
  });

  afterAll(async () => {
    await cleanUp({ service, db, name: NAME });
    await rm(project, { recursive: true, force: true });
  });

  const nodesOf = async (id: number): Promise<NodeView[]> =>
    (await service.http.get(`/deployments/${id}/nodes`).expect(200)).body.nodes as NodeView[];

  it('provisions and configures each node by its playbooks: ok, failed by a var, unreachable', async () => {
    const deployment = await createDeployment(service, {
      name: NAME,
      target_node_count: 3,
      provisioning: {
        driver: 'ansible',
        playbooks: { provision: 'provision.yml', configure: 'configure.yml' },
        extra_vars: { fail_nodes: ['node-002'], unreachable_nodes: ['node-003'] },
        batch_size: 10,
        timeout_seconds: 600,
      },
    });
    const nodes = await pollUntil(() => nodesOf(deployment.id), 'every node RUNNING or FAILED', {
      until: (n) => n.every((x) => x.state === 'RUNNING' || x.state === 'FAILED'),
      timeoutMs: 180_000,
    });
    const state = Object.fromEntries(nodes.map((n) => [n.node_id, n.state]));
    expect(state).toEqual({ 'node-001': 'RUNNING', 'node-002': 'FAILED', 'node-003': 'FAILED' });

    const { rows: changes } = await db.query(
      `SELECT node_identifier, from_state, to_state, reason FROM events
       WHERE deployment_id = $1 AND type = 'STATE_CHANGE' ORDER BY id`,
      [deployment.id],
    );
    const failed = (node: string) =>
      changes.find((c) => c.node_identifier === node && c.to_state === 'FAILED')?.reason as string;
    expect(failed('node-002')).toBe(
      'failed at task "Fail when told to": node-002 was told to fail',
    );
    expect(failed('node-003')).toMatch(/^unreachable at task "Reach the node": /);
    // Each node ended exactly once.
    for (const node of ['node-001', 'node-002', 'node-003']) {
      expect(
        changes.filter(
          (c) => c.node_identifier === node && ['RUNNING', 'FAILED'].includes(c.to_state),
        ),
      ).toHaveLength(1);
    }

    const page = (await service.http.get(`/deployments/${deployment.id}/driver-runs`).expect(200))
      .body;
    expect(page.total).toBe(2);
    const [configure, provision] = page.items;
    expect(provision).toMatchObject({
      driver: 'ansible',
      phase: 'provision',
      status: 'partial',
      nodes: 3,
      succeeded: 1,
      failed: 2,
    });
    expect(configure).toMatchObject({
      phase: 'configure',
      status: 'succeeded',
      nodes: 1,
      succeeded: 1,
      failed: 0,
    });
    expect(provision.output_tail).toContain('"stats"');
    expect(provision.duration_ms).toBeGreaterThan(0);
    const one = (await service.http.get(`/driver-runs/${provision.id}`).expect(200)).body;
    expect(one).toEqual(provision);

    const { rows: runEvents } = await db.query(
      `SELECT type, metadata FROM events WHERE deployment_id = $1 AND type LIKE 'DRIVER_RUN_%' ORDER BY id`,
      [deployment.id],
    );
    expect(runEvents.map((e) => `${e.type}:${e.metadata.phase}`)).toEqual([
      'DRIVER_RUN_STARTED:provision',
      'DRIVER_RUN_FINISHED:provision',
      'DRIVER_RUN_STARTED:configure',
      'DRIVER_RUN_FINISHED:configure',
    ]);
    const metrics = (await service.http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(
      /netorch_driver_runs_total\{driver="ansible",phase="provision",outcome="partial"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /netorch_driver_run_duration_seconds_count\{driver="ansible",phase="configure"\} [1-9]/,
    );

    // Retry of a FAILED node runs both phases again (node-002 now without the failing var).
    await service.http
      .patch(`/deployments/${deployment.id}`)
      .send({
        provisioning: {
          driver: 'ansible',
          playbooks: { provision: 'provision.yml', configure: 'configure.yml' },
        },
      })
      .expect(200);
    const retried = nodes.find((n) => n.node_id === 'node-002')!;
    await service.http
      .post(`/deployments/${deployment.id}/nodes/${retried.id}/retry`)
      .expect((r) => expect(r.status).toBeLessThan(300));
    await pollUntil(
      async () =>
        (await nodesOf(deployment.id)).find((n) => n.id === retried.id)?.state === 'RUNNING',
      'the retried node RUNNING',
      { timeoutMs: 180_000 },
    );
    const after = (await service.http.get(`/deployments/${deployment.id}/driver-runs`).expect(200))
      .body;
    expect(
      after.items
        .slice(0, 2)
        .map((r: { phase: string; node_ids: number[] }) => [r.phase, r.node_ids]),
    ).toEqual([
      ['configure', [retried.id]],
      ['provision', [retried.id]],
    ]);
  });

  it("logs in with the deployment's ssh credential, which never leaves the run's private files", async () => {
    const KEY = 'netorch-test-key-8c1f0b7e2d';
    const credential = (
      await service.http
        .post('/credentials')
        .send({ name: `${NAME}-${Date.now()}`, kind: 'ssh', username: 'netops', private_key: KEY })
        .expect(201)
    ).body.id;
    const deployment = await createDeployment(service, {
      name: NAME,
      target_node_count: 1,
      provisioning: {
        driver: 'ansible',
        playbooks: { configure: 'login.yml' },
        extra_vars: { expected_user: 'netops' },
        credential,
      },
    });
    const [node] = await pollUntil(() => nodesOf(deployment.id), 'the node RUNNING or FAILED', {
      until: (n) => n.every((x) => x.state === 'RUNNING' || x.state === 'FAILED'),
      timeoutMs: 180_000,
    });
    expect(node.state).toBe('RUNNING');
    const runs = (await service.http.get(`/deployments/${deployment.id}/driver-runs`).expect(200))
      .body.items as { id: string }[];
    for (const { id } of runs) {
      const run = (await service.http.get(`/driver-runs/${id}`).expect(200)).text;
      expect(run).not.toContain(KEY);
    }
    expect(service.logs()).not.toContain(KEY);
  });

  it.each([
    ['../provision.yml', /inside ANSIBLE_PROJECT_DIR/],
    ['/etc/passwd', /inside ANSIBLE_PROJECT_DIR/],
    ['escape.yml', /leaves ANSIBLE_PROJECT_DIR/],
    ['missing.yml', /no playbook missing.yml/],
  ])('refuses the playbook %s with 422 and creates nothing', async (playbook, message) => {
    const before = await db.query(`SELECT count(*)::int AS n FROM deployments WHERE name = $1`, [
      NAME,
    ]);
    const res = await service.http
      .post('/deployments')
      .send({
        name: NAME,
        target_node_count: 1,
        provisioning: { driver: 'ansible', playbooks: { configure: playbook } },
      })
      .expect(422);
    expect(JSON.stringify(res.body)).toMatch(message);
    const after = await db.query(`SELECT count(*)::int AS n FROM deployments WHERE name = $1`, [
      NAME,
    ]);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});

describe('ansible driver without ANSIBLE_PROJECT_DIR', () => {
  let service: Service;

  beforeAll(async () => {
    service = await startService({ APP_ROLE: 'api' });
  });

  afterAll(async () => {
    await cleanUp({ service });
  });

  it('is refused with 422', async () => {
    const res = await service.http
      .post('/deployments')
      .send({
        name: NAME,
        target_node_count: 1,
        provisioning: { driver: 'ansible', playbooks: { configure: 'configure.yml' } },
      })
      .expect(422);
    expect(JSON.stringify(res.body)).toContain('the ansible driver is not enabled on this server');
  });
});
