import { Pool } from 'pg';
import { testPool } from '../support/database';
import { createDeployment } from '../support/deployments';
import { expectError } from '../support/errors';
import { Service, startService } from '../support/service';

// API only: no worker moves nodes, so tests set the states they need through SQL.
let api: Service;
let db: Pool;

beforeAll(async () => {
  api = await startService({ APP_ROLE: 'api', MAX_NODES_PER_DEPLOYMENT: '20' });
  db = testPool();
});

afterAll(async () => {
  await api?.stop();
  await db?.end();
});

async function eventsOf(id: number, type: string) {
  const { rows } = await db.query(
    `SELECT * FROM events WHERE deployment_id = $1 AND type = $2 ORDER BY id`,
    [id, type],
  );
  return rows;
}

describe('PATCH /deployments/{id} with ETag', () => {
  it('renames with the right If-Match, bumps the ETag and records before/after', async () => {
    const d = await createDeployment(api, { name: 'old', description: 'x', target_node_count: 2 });
    const got = await api.http.get(`/deployments/${d.id}`).expect(200);
    expect(got.headers.etag).toBe('"1"');
    const res = await api.http
      .patch(`/deployments/${d.id}`)
      .set('If-Match', got.headers.etag)
      .send({ name: 'new', description: null })
      .expect(200);
    expect(res.body).toMatchObject({
      id: d.id,
      name: 'new',
      description: null,
      target_node_count: 2,
    });
    expect(res.headers.etag).toBe('"2"');
    const [event] = await eventsOf(d.id, 'DEPLOYMENT_UPDATED');
    expect(event.metadata).toEqual({
      before: { name: 'old', description: 'x' },
      after: { name: 'new', description: null },
      version: 2,
    });
    expect(event.request_id).toBe(res.headers['x-request-id']);
  });

  it('refuses a stale If-Match with 412 and changes nothing', async () => {
    const d = await createDeployment(api, { name: 'keep' });
    await api.http.patch(`/deployments/${d.id}`).send({ description: 'first' }).expect(200);
    const res = await api.http
      .patch(`/deployments/${d.id}`)
      .set('If-Match', '"1"')
      .send({ name: 'lost update' })
      .expect(412);
    expectError(res.body, 412, /If-Match/);
    const now = await api.http.get(`/deployments/${d.id}`).expect(200);
    expect(now.body.name).toBe('keep');
    expect(now.headers.etag).toBe('"2"');
  });

  it('is 404 for a missing deployment and 422 for bad bodies', async () => {
    expectError((await api.http.patch('/deployments/999999').send({ name: 'x' })).body, 404);
    const d = await createDeployment(api);
    for (const body of [
      {},
      { name: '' },
      { name: null },
      { name: 'x'.repeat(256) },
      { bogus: 1 },
    ]) {
      const res = await api.http.patch(`/deployments/${d.id}`).send(body);
      expect(res.status).toBe(422);
      expectError(res.body, 422);
    }
    expectError((await api.http.patch('/deployments/abc').send({ name: 'x' })).body, 422, /id/);
  });
});

describe('DELETE /deployments/{id}', () => {
  it('removes the deployment, its nodes and samples but keeps its events; a second DELETE is 404', async () => {
    const d = await createDeployment(api, { target_node_count: 4 });
    const nodes = await db.query(`SELECT id FROM nodes WHERE deployment_id = $1`, [d.id]);
    await api.http
      .post(`/deployments/${d.id}/telemetry`)
      .send({
        samples: nodes.rows.map((n) => ({
          node_id: n.id,
          latency_ms: 1,
          throughput_gbps: 2,
          error_rate: 0,
        })),
      })
      .expect(202);
    await api.http.delete(`/deployments/${d.id}`).expect(204);
    const { rows } = await db.query(
      `SELECT (SELECT count(*) FROM deployments WHERE id = $1)::int AS d,
              (SELECT count(*) FROM nodes WHERE deployment_id = $1)::int AS n,
              (SELECT count(*) FROM events WHERE deployment_id = $1)::int AS e,
              (SELECT count(*) FROM telemetry_samples WHERE deployment_id = $1)::int AS s`,
      [d.id],
    );
    // The audit trail outlives the deployment, down to the delete itself.
    expect(rows[0]).toEqual({ d: 0, n: 0, e: 2, s: 0 });
    expect((await eventsOf(d.id, 'DEPLOYMENT_DELETED')).length).toBe(1);
    expectError((await api.http.delete(`/deployments/${d.id}`)).body, 404, /Deployment not found/);
    expectError((await api.http.get(`/deployments/${d.id}`)).body, 404);
  });

  it('honours If-Match', async () => {
    const d = await createDeployment(api);
    expectError((await api.http.delete(`/deployments/${d.id}`).set('If-Match', '"7"')).body, 412);
    await api.http.delete(`/deployments/${d.id}`).set('If-Match', '"1"').expect(204);
  });
});

describe('POST /deployments/{id}/retry', () => {
  it('marks every FAILED node for retry, once', async () => {
    const d = await createDeployment(api, { target_node_count: 4 });
    await db.query(
      `UPDATE nodes SET state = CASE WHEN seq % 2 = 0 THEN 'FAILED' ELSE 'RUNNING' END,
         next_step_at = NULL WHERE deployment_id = $1`,
      [d.id],
    );
    await db.query(`UPDATE deployments SET finished_at = now() WHERE id = $1`, [d.id]);
    const res = await api.http.post(`/deployments/${d.id}/retry`).expect(202);
    expect(res.body).toEqual({ deployment_id: d.id, retried: 2, node_ids: expect.any(Array) });
    const { rows } = await db.query(
      `SELECT seq, state, attempt, next_step_at IS NOT NULL AS due FROM nodes WHERE deployment_id = $1 ORDER BY seq`,
      [d.id],
    );
    expect(rows).toEqual([
      { seq: 1, state: 'RUNNING', attempt: 0, due: false },
      { seq: 2, state: 'FAILED', attempt: 1, due: true },
      { seq: 3, state: 'RUNNING', attempt: 0, due: false },
      { seq: 4, state: 'FAILED', attempt: 1, due: true },
    ]);
    const dep = await db.query(`SELECT finished_at FROM deployments WHERE id = $1`, [d.id]);
    expect(dep.rows[0].finished_at).toBeNull();
    expect(await eventsOf(d.id, 'NODE_RETRIED')).toHaveLength(2);
    const [bulk] = await eventsOf(d.id, 'DEPLOYMENT_RETRIED');
    expect(bulk.metadata).toEqual({ retried: 2, node_ids: res.body.node_ids });
    // Already marked: nothing left to retry.
    expectError((await api.http.post(`/deployments/${d.id}/retry`)).body, 409, /No FAILED node/);
    expectError((await api.http.post('/deployments/999999/retry')).body, 404);
  });
});

describe('GET /deployments/{id}/events', () => {
  it('pages oldest first and filters by type, node and since', async () => {
    const d = await createDeployment(api, { target_node_count: 3 });
    await api.http.patch(`/deployments/${d.id}`).send({ name: 'a' }).expect(200);
    await api.http.patch(`/deployments/${d.id}`).send({ name: 'b' }).expect(200);
    await api.http
      .patch(`/deployments/${d.id}/nodes/node-002`)
      .send({ hostname: 'leaf-2' })
      .expect(200);
    const all = await api.http.get(`/deployments/${d.id}/events`).expect(200);
    expect(all.body.events.map((e: { type: string }) => e.type)).toEqual([
      'DEPLOYMENT_CREATED',
      'DEPLOYMENT_UPDATED',
      'DEPLOYMENT_UPDATED',
      'NODE_UPDATED',
    ]);
    expect(all.body.next_since).toBeNull();
    const page1 = await api.http.get(`/deployments/${d.id}/events?limit=2`).expect(200);
    expect(page1.body.events).toHaveLength(2);
    expect(page1.body.next_since).toBe(page1.body.events[1].id);
    const page2 = await api.http
      .get(`/deployments/${d.id}/events?limit=2&since=${page1.body.next_since}`)
      .expect(200);
    expect(page2.body.events.map((e: { id: number }) => e.id)).toEqual(
      all.body.events.slice(2).map((e: { id: number }) => e.id),
    );
    const updates = await api.http
      .get(`/deployments/${d.id}/events?type=DEPLOYMENT_UPDATED`)
      .expect(200);
    expect(updates.body.events).toHaveLength(2);
    const node = await api.http.get(`/deployments/${d.id}/events?node_id=node-2`).expect(200);
    expect(node.body.events).toHaveLength(1);
    expect(node.body.events[0]).toMatchObject({
      node_identifier: 'node-002',
      metadata: { before: { hostname: `switch-${d.id}-002` }, after: { hostname: 'leaf-2' } },
    });
    const byId = await api.http
      .get(`/deployments/${d.id}/events?node_id=${node.body.events[0].node_id}`)
      .expect(200);
    expect(byId.body.events).toEqual(node.body.events);
    const later = await api.http
      .get(`/deployments/${d.id}/events?since=${encodeURIComponent('2999-01-01T00:00:00+02:00')}`)
      .expect(200);
    expect(later.body.events).toEqual([]);
  });

  it('is 404 for a missing deployment and 422 for bad filters', async () => {
    expectError((await api.http.get('/deployments/999999/events')).body, 404);
    const d = await createDeployment(api);
    for (const q of [
      'limit=0',
      'limit=1001',
      'since=yesterday',
      'since=2026-13-45',
      'node_id=x',
      'type=a b',
    ]) {
      const res = await api.http.get(`/deployments/${d.id}/events?${q}`);
      expect(res.status).toBe(422);
    }
  });
});

describe('Idempotency-Key', () => {
  const body = { name: 'idempotent', target_node_count: 3 };

  it('replays the first response for the same key and body', async () => {
    const first = await api.http
      .post('/deployments')
      .set('Idempotency-Key', 'key-a')
      .send(body)
      .expect(201);
    const again = await api.http
      .post('/deployments')
      .set('Idempotency-Key', 'key-a')
      .send({ target_node_count: 3, name: 'idempotent' })
      .expect(201);
    expect(again.text).toBe(first.text);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM deployments WHERE name = 'idempotent'`,
    );
    expect(rows[0].n).toBe(1);
  });

  it('is 422 for the same key with another body and for a malformed key', async () => {
    await api.http.post('/deployments').set('Idempotency-Key', 'key-b').send(body).expect(201);
    const res = await api.http
      .post('/deployments')
      .set('Idempotency-Key', 'key-b')
      .send({ ...body, target_node_count: 4 });
    expectError(res.body, 422, /Idempotency-Key was already used/);
    const bad = await api.http.post('/deployments').set('Idempotency-Key', 'a b').send(body);
    expectError(bad.body, 422, /Idempotency-Key/);
  });

  it('creates exactly one deployment when identical requests race', async () => {
    const raced = { name: 'raced', target_node_count: 5 };
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        api.http.post('/deployments').set('Idempotency-Key', 'key-race').send(raced),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    const { rows } = await db.query(
      `SELECT count(*)::int AS d, (SELECT count(*)::int FROM nodes n JOIN deployments x ON x.id = n.deployment_id WHERE x.name = 'raced') AS n
       FROM deployments WHERE name = 'raced'`,
    );
    expect(rows[0]).toEqual({ d: 1, n: 5 });
  });

  it('does not store failures: a retry after a 404 runs again', async () => {
    const d = await createDeployment(api, { target_node_count: 1 });
    await db.query(
      `UPDATE nodes SET state = 'FAILED', next_step_at = NULL WHERE deployment_id = $1`,
      [d.id],
    );
    await api.http.post(`/deployments/${d.id}/retry`).set('Idempotency-Key', 'key-c').expect(202);
    const replay = await api.http
      .post(`/deployments/${d.id}/retry`)
      .set('Idempotency-Key', 'key-c')
      .expect(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    // Without the key the same call is a new request, and nothing is left to retry.
    await api.http.post(`/deployments/${d.id}/retry`).expect(409);
    const miss = await api.http.post('/deployments/999999/retry').set('Idempotency-Key', 'key-d');
    expect(miss.status).toBe(404);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM idempotency_keys WHERE key = 'key-d'`,
    );
    expect(rows[0].n).toBe(0);
  });
});
