import { connect } from 'node:net';
import { Pool } from 'pg';
import { testPool } from '../support/database';
import { createDeployment, listNodes } from '../support/deployments';
import { expectError } from '../support/errors';
import { Service, startService } from '../support/service';

// API only: no worker moves the nodes, so what the API wrote is what we read.
let api: Service;
let db: Pool;

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function rowCounts() {
  const { rows } = await db.query(
    `SELECT (SELECT count(*) FROM deployments)::int AS d, (SELECT count(*) FROM nodes)::int AS n,
            (SELECT count(*) FROM events)::int AS e`,
  );
  return rows[0];
}

beforeAll(async () => {
  api = await startService({ APP_ROLE: 'api', MAX_NODES_PER_DEPLOYMENT: '10000' });
  db = testPool();
});

afterAll(async () => {
  await api?.stop();
  await db?.end();
});

describe('POST /deployments', () => {
  it('creates the deployment, its nodes and an event in the seed shape', async () => {
    const res = await api.http
      .post('/deployments')
      .send({ name: 'dc1-leaf-spine', description: 'hall A', target_node_count: 12 })
      .expect(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      name: 'dc1-leaf-spine',
      description: 'hall A',
      target_node_count: 12,
      max_parallel: null,
      telemetry: { source: 'simulator', interval_seconds: null },
      created_at: expect.stringMatching(ISO_Z),
      updated_at: expect.stringMatching(ISO_Z),
    });
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
    const nodes = await listNodes(api, res.body.id);
    expect(nodes).toHaveLength(12);
    expect(nodes[0]).toMatchObject({
      node_id: 'node-001',
      hostname: `switch-${res.body.id}-001`,
      state: 'PENDING',
      ip_address: null,
    });
    expect(nodes[11].node_id).toBe('node-012');
    const { rows } = await db.query(
      `SELECT type, request_id FROM events WHERE deployment_id = $1`,
      [res.body.id],
    );
    expect(rows).toEqual([{ type: 'DEPLOYMENT_CREATED', request_id: res.headers['x-request-id'] }]);
  });

  it('writes 10,000 nodes in one request', async () => {
    const started = Date.now();
    const deployment = await createDeployment(api, { name: 'big', target_node_count: 10000 });
    const elapsed = Date.now() - started;
    const { rows } = await db.query(
      `SELECT count(*)::int AS n, count(DISTINCT node_id)::int AS names, min(node_id) AS first,
              max(seq)::int AS last_seq
       FROM nodes WHERE deployment_id = $1`,
      [deployment.id],
    );
    expect(rows[0]).toEqual({ n: 10000, names: 10000, first: 'node-001', last_seq: 10000 });
    const last = await db.query(
      `SELECT node_id, hostname FROM nodes WHERE deployment_id = $1 AND seq = 10000`,
      [deployment.id],
    );
    expect(last.rows[0]).toEqual({
      node_id: 'node-10000',
      hostname: `switch-${deployment.id}-10000`,
    });
    // Reported, not asserted: timings on a shared 2-core machine are noise.
    console.log(`10,000-node create took ${elapsed} ms`);
  });

  it.each([
    [{ target_node_count: 5 }, /name/],
    [{ name: '', target_node_count: 5 }, /name should not be empty/],
    [{ name: 'x'.repeat(256), target_node_count: 5 }, /name must be shorter than or equal to 255/],
    [{ name: 'a' }, /target_node_count/],
    [{ name: 'a', target_node_count: 0 }, /target_node_count must not be less than 1/],
    [{ name: 'a', target_node_count: 10001 }, /target_node_count must not be greater than 10000/],
    [{ name: 'a', target_node_count: 2.5 }, /target_node_count must be an integer/],
    [{ name: 'a', target_node_count: '5' }, /target_node_count must be an integer/],
    [{ name: 7, target_node_count: 5 }, /name must be a string/],
    [{ name: 'a', target_node_count: 5, colour: 'red' }, /property colour should not exist/],
    [{ name: 'a', target_node_count: 5, max_parallel: 0 }, /max_parallel must not be less than 1/],
    [{ name: 'a', description: 5, target_node_count: 5 }, /description must be a string/],
  ])('rejects %j with 422 naming the field and changes nothing', async (body, detail) => {
    const before = await rowCounts();
    const res = await api.http.post('/deployments').send(body);
    expect(res.status).toBe(422);
    expectError(res.body, 422, detail);
    expect(await rowCounts()).toEqual(before);
  });

  it('answers malformed JSON with 400 and an empty body with 400', async () => {
    const bad = await api.http
      .post('/deployments')
      .set('content-type', 'application/json')
      .send('{"name":');
    expect(bad.status).toBe(400);
    expectError(bad.body, 400, /JSON/);
    const empty = await api.http
      .post('/deployments')
      .set('content-type', 'application/json')
      .send('');
    expect(empty.status).toBe(400);
    expectError(empty.body, 400);
  });

  it('answers an array or a scalar body with 422', async () => {
    const res = await api.http.post('/deployments').send([{ name: 'a', target_node_count: 1 }]);
    expect([400, 422]).toContain(res.status);
    expectError(res.body, res.status);
  });

  it('answers a body over the limit with 413', async () => {
    // A raw request that announces 9 MiB: the server must refuse it from the headers alone,
    // without reading (or the client finishing) the body.
    const { port } = new URL(api.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('error', reject);
      socket.on('close', () => resolve(data));
      socket.write(
        'POST /deployments HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
          `Content-Length: ${9 * 1024 * 1024}\r\nConnection: close\r\n\r\n{"name": "`,
      );
      // The client gives up writing after 2 s; the server's answer is read whatever it takes.
      setTimeout(() => socket.end(), 2000);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 413/);
    expectError(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)), 413, /too large/);
  });
});

describe('GET /deployments', () => {
  it('lists newest first with skip and limit', async () => {
    const a = await createDeployment(api, { name: 'older' });
    const b = await createDeployment(api, { name: 'newer' });
    const res = await api.http.get('/deployments?limit=2').expect(200);
    expect(res.body.map((d: { id: number }) => d.id)).toEqual([b.id, a.id]);
    // Each item is what GET /deployments/{id} shows: counts, status, progress and rollout.
    const detail = await api.http.get(`/deployments/${b.id}`).expect(200);
    expect(Object.keys(res.body[0]).sort()).toEqual(Object.keys(detail.body).sort());
    expect(Object.keys(res.body[0])).toEqual(
      expect.arrayContaining(['state_counts', 'status', 'progress_percent', 'rollout']),
    );
    for (const item of res.body as {
      state_counts: Record<string, number>;
      target_node_count: number;
    }[]) {
      expect(Object.values(item.state_counts).reduce((x, y) => x + y, 0)).toBe(
        item.target_node_count,
      );
    }
    expect(res.body[0]).toMatchObject({ id: b.id, name: 'newer', rollout: null });
    const skipped = await api.http.get('/deployments?skip=1&limit=1').expect(200);
    expect(skipped.body.map((d: { id: number }) => d.id)).toEqual([a.id]);
  });

  it.each(['limit=0', 'limit=1001', 'skip=-1', 'limit=abc', 'skip=1.5', 'sort=name'])(
    'rejects ?%s with 422',
    async (query) => {
      const res = await api.http.get(`/deployments?${query}`);
      expect(res.status).toBe(422);
      expectError(res.body, 422, /limit|skip|sort/);
    },
  );
});

describe('GET /deployments/{id}', () => {
  it('adds node counts, every state, status and progress', async () => {
    const d = await createDeployment(api, { target_node_count: 3 });
    const res = await api.http.get(`/deployments/${d.id}`).expect(200);
    expect(res.body).toMatchObject({
      ...d,
      current_node_count: 3,
      state_counts: { PENDING: 3, PROVISIONING: 0, CONFIGURING: 0, RUNNING: 0, FAILED: 0 },
      status: 'pending',
      progress_percent: 0,
      started_at: null,
      finished_at: null,
    });
  });

  it('is 404 for an unknown deployment and 422 for a bad id', async () => {
    const missing = await api.http.get('/deployments/999999');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      status_code: 404,
      error: 'Not Found',
      detail: 'Deployment not found',
    });
    for (const id of ['abc', '0', '-1', '1.5', '99999999999']) {
      const res = await api.http.get(`/deployments/${id}`);
      expect(res.status).toBe(422);
      expectError(res.body, 422, /id/);
    }
  });

  it('is 404 with the error shape for an unknown route', async () => {
    const res = await api.http.get('/no/such/route');
    expect(res.status).toBe(404);
    expectError(res.body, 404, /No route GET \/no\/such\/route/);
  });
});

describe('GET /deployments/{id}/nodes', () => {
  it('returns every node by default and honours state, skip and limit', async () => {
    const d = await createDeployment(api, { target_node_count: 120 });
    const all = await api.http.get(`/deployments/${d.id}/nodes`).expect(200);
    expect(all.body.total).toBe(120);
    expect(all.body.nodes).toHaveLength(120);
    expect(Object.keys(all.body.nodes[0]).sort()).toEqual(
      [
        'created_at',
        'deployment_id',
        'hostname',
        'id',
        'ip_address',
        'management_address',
        'node_id',
        'role',
        'state',
        'state_changed_at',
        'telemetry_status',
        'updated_at',
        'vars',
      ].sort(),
    );
    const page = await api.http.get(`/deployments/${d.id}/nodes?skip=100&limit=5`).expect(200);
    expect(page.body.total).toBe(120);
    expect(page.body.nodes.map((n: { node_id: string }) => n.node_id)).toEqual([
      'node-101',
      'node-102',
      'node-103',
      'node-104',
      'node-105',
    ]);
    const running = await api.http.get(`/deployments/${d.id}/nodes?state=RUNNING`).expect(200);
    expect(running.body).toEqual({ nodes: [], total: 0 });
  });

  it('rejects a bad filter with 422 and an unknown deployment with 404', async () => {
    const d = await createDeployment(api);
    const res = await api.http.get(`/deployments/${d.id}/nodes?state=ASLEEP`);
    expect(res.status).toBe(422);
    expectError(res.body, 422, /state must be one of/);
    const missing = await api.http.get('/deployments/999999/nodes');
    expect(missing.status).toBe(404);
  });
});
