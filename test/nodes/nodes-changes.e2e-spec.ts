import { Pool } from 'pg';
import { testPool } from '../support/database';
import { createDeployment } from '../support/deployments';
import { expectError } from '../support/errors';
import { Service, startService } from '../support/service';

// API only: node states are set through SQL where a test needs them.
let api: Service;
let db: Pool;

beforeAll(async () => {
  api = await startService({ APP_ROLE: 'api', MAX_NODES_PER_DEPLOYMENT: '12' });
  db = testPool();
});

afterAll(async () => {
  await api?.stop();
  await db?.end();
});

describe('POST /deployments/{id}/nodes', () => {
  it('adds PENDING nodes after the highest node and moves target_node_count', async () => {
    const d = await createDeployment(api, { target_node_count: 3 });
    await api.http.delete(`/deployments/${d.id}/nodes/node-002`).expect(204);
    const res = await api.http.post(`/deployments/${d.id}/nodes`).send({ count: 2 }).expect(201);
    expect(res.body.total).toBe(2);
    expect(res.body.target_node_count).toBe(4);
    expect(
      res.body.nodes.map((n: { node_id: string; state: string }) => [n.node_id, n.state]),
    ).toEqual([
      ['node-004', 'PENDING'],
      ['node-005', 'PENDING'],
    ]);
    const got = await api.http.get(`/deployments/${d.id}`).expect(200);
    expect(got.body).toMatchObject({ target_node_count: 4, current_node_count: 4 });
    const [event] = (
      await db.query(`SELECT * FROM events WHERE deployment_id = $1 AND type = 'NODES_ADDED'`, [
        d.id,
      ])
    ).rows;
    expect(event.metadata).toMatchObject({
      count: 2,
      first: 'node-004',
      last: 'node-005',
      before: { target_node_count: 2 },
      after: { target_node_count: 4 },
    });
    expect(event.request_id).toBe(res.headers['x-request-id']);
  });

  it('keeps MAX_NODES_PER_DEPLOYMENT (422) and validates count', async () => {
    const d = await createDeployment(api, { target_node_count: 10 });
    const over = await api.http.post(`/deployments/${d.id}/nodes`).send({ count: 3 });
    expectError(over.body, 422, /MAX_NODES_PER_DEPLOYMENT is 12/);
    await api.http.post(`/deployments/${d.id}/nodes`).send({ count: 2 }).expect(201);
    for (const body of [{}, { count: 0 }, { count: 1.5 }, { count: '2' }, { count: 1, x: 1 }]) {
      expect((await api.http.post(`/deployments/${d.id}/nodes`).send(body)).status).toBe(422);
    }
    expectError((await api.http.post('/deployments/999999/nodes').send({ count: 1 })).body, 404);
  });
});

describe('GET /deployments/{id}/nodes/{node_id}', () => {
  it('finds a node by integer id or by name', async () => {
    const d = await createDeployment(api, { target_node_count: 3 });
    const byName = await api.http.get(`/deployments/${d.id}/nodes/node-003`).expect(200);
    expect(byName.body).toMatchObject({ node_id: 'node-003', deployment_id: d.id, attempt: 0 });
    const byId = await api.http.get(`/deployments/${d.id}/nodes/${byName.body.id}`).expect(200);
    expect(byId.body).toEqual(byName.body);
    expect((await api.http.get(`/deployments/${d.id}/nodes/node-3`)).body).toEqual(byName.body);
  });

  it('is 404 for a node of another deployment or none, 422 for a malformed reference', async () => {
    const a = await createDeployment(api, { target_node_count: 1 });
    const b = await createDeployment(api, { target_node_count: 1 });
    const nodeOfB = (await api.http.get(`/deployments/${b.id}/nodes/node-001`)).body.id;
    expectError(
      (await api.http.get(`/deployments/${a.id}/nodes/${nodeOfB}`)).body,
      404,
      /not found/,
    );
    expectError((await api.http.get(`/deployments/${a.id}/nodes/node-009`)).body, 404, /node-009/);
    expectError((await api.http.get(`/deployments/999999/nodes/node-001`)).body, 404, /Deployment/);
    for (const ref of ['abc', 'node-x', '0', '99999999999']) {
      expect((await api.http.get(`/deployments/${a.id}/nodes/${ref}`)).status).toBe(422);
    }
  });
});

describe('PATCH /deployments/{id}/nodes/{node_id}', () => {
  it('changes the hostname and records it', async () => {
    const d = await createDeployment(api, { target_node_count: 2 });
    const res = await api.http
      .patch(`/deployments/${d.id}/nodes/node-001`)
      .send({ hostname: 'leaf-a-1.dc1' })
      .expect(200);
    expect(res.body).toMatchObject({ node_id: 'node-001', hostname: 'leaf-a-1.dc1' });
    const { rows } = await db.query(
      `SELECT metadata FROM events WHERE deployment_id = $1 AND type = 'NODE_UPDATED'`,
      [d.id],
    );
    expect(rows[0].metadata).toEqual({
      before: { hostname: `switch-${d.id}-001` },
      after: { hostname: 'leaf-a-1.dc1' },
    });
  });

  it('is 422 for a bad hostname and 404 for a missing node', async () => {
    const d = await createDeployment(api, { target_node_count: 1 });
    for (const body of [
      {},
      { hostname: '' },
      { hostname: 'bad host' },
      { hostname: '-x' },
      { hostname: 7 },
    ]) {
      expect((await api.http.patch(`/deployments/${d.id}/nodes/node-001`).send(body)).status).toBe(
        422,
      );
    }
    expectError(
      (await api.http.patch(`/deployments/${d.id}/nodes/node-002`).send({ hostname: 'x' })).body,
      404,
    );
  });
});

describe('DELETE /deployments/{id}/nodes/{node_id}', () => {
  it('removes the node and its samples, keeps an event, target follows', async () => {
    const d = await createDeployment(api, { target_node_count: 3 });
    const node = (await api.http.get(`/deployments/${d.id}/nodes/node-002`)).body;
    const other = (await api.http.get(`/deployments/${d.id}/nodes/node-001`)).body;
    await api.http
      .post(`/deployments/${d.id}/telemetry`)
      .send({
        samples: [node.id, other.id].map((id) => ({
          node_id: id,
          latency_ms: 1,
          throughput_gbps: 1,
          error_rate: 0,
        })),
      })
      .expect(202);
    await api.http.delete(`/deployments/${d.id}/nodes/${node.id}`).expect(204);
    const { rows } = await db.query(
      `SELECT (SELECT count(*) FROM nodes WHERE id = $1)::int AS n,
              (SELECT count(*) FROM telemetry_samples WHERE node_id = $1)::int AS s,
              (SELECT count(*) FROM telemetry_samples WHERE node_id = $2)::int AS kept,
              (SELECT target_node_count FROM deployments WHERE id = $3) AS target`,
      [node.id, other.id, d.id],
    );
    expect(rows[0]).toEqual({ n: 0, s: 0, kept: 1, target: 2 });
    const events = await api.http.get(`/deployments/${d.id}/events?type=NODE_DELETED`).expect(200);
    expect(events.body.events[0]).toMatchObject({
      node_id: node.id,
      node_identifier: 'node-002',
      from_state: 'PENDING',
      metadata: { before: { hostname: node.hostname }, target_node_count: { before: 3, after: 2 } },
    });
    expectError((await api.http.delete(`/deployments/${d.id}/nodes/${node.id}`)).body, 404);
    expectError((await api.http.delete(`/deployments/999999/nodes/node-001`)).body, 404);
  });
});

describe('POST /deployments/{id}/nodes/{node_id}/retry', () => {
  it('marks a FAILED node for retry; 409 for other states and when already marked', async () => {
    const d = await createDeployment(api, { target_node_count: 2 });
    await db.query(
      `UPDATE nodes SET state = CASE seq WHEN 1 THEN 'FAILED' ELSE 'RUNNING' END, next_step_at = NULL
       WHERE deployment_id = $1`,
      [d.id],
    );
    const res = await api.http.post(`/deployments/${d.id}/nodes/node-001/retry`).expect(202);
    expect(res.body).toMatchObject({ node_id: 'node-001', state: 'FAILED', attempt: 1 });
    const { rows } = await db.query(
      `SELECT next_step_at IS NOT NULL AS due FROM nodes WHERE deployment_id = $1 AND seq = 1`,
      [d.id],
    );
    expect(rows[0].due).toBe(true);
    expectError(
      (await api.http.post(`/deployments/${d.id}/nodes/node-001/retry`)).body,
      409,
      /already marked for retry/,
    );
    expectError(
      (await api.http.post(`/deployments/${d.id}/nodes/node-002/retry`)).body,
      409,
      /node-002 is RUNNING; only a FAILED node can be retried/,
    );
    expectError((await api.http.post(`/deployments/${d.id}/nodes/node-007/retry`)).body, 404);
    const events = await api.http.get(`/deployments/${d.id}/events?type=NODE_RETRIED`).expect(200);
    expect(events.body.events).toHaveLength(1);
    expect(events.body.events[0]).toMatchObject({ from_state: 'FAILED', metadata: { attempt: 1 } });
  });
});
