import { Pool } from 'pg';
import { testPool } from '../support/database';
import { expectError } from '../support/errors';
import { Service, startService } from '../support/service';

const RW = 'bound-ops-secret-0001';
const RO = 'bound-viewer-secret-01';
const LEAF = 'bound-leaf-secret-0001';
const LEAF_RW = 'bound-leafrw-secret-01';

let api: Service;
let db: Pool;
let mine: number;
let other: number;
let receiver: number;

const as = (key: string) => ({
  get: (path: string) => api.http.get(path).set('X-API-Key', key),
  post: (path: string) => api.http.post(path).set('X-API-Key', key),
  delete: (path: string) => api.http.delete(path).set('X-API-Key', key),
});

beforeAll(async () => {
  db = testPool();
  // Two deployments first, so the bound keys can name the first one's id.
  const boot = await startService({ APP_ROLE: 'api', API_KEYS: `boot:${RW}:rw` });
  try {
    const create = (name: string) =>
      boot.http.post('/deployments').set('X-API-Key', RW).send({ name, target_node_count: 2 });
    mine = (await create(`bound-mine-${Date.now()}`).expect(201)).body.id;
    other = (await create(`bound-other-${Date.now()}`).expect(201)).body.id;
  } finally {
    await boot.stop();
  }
  api = await startService({
    APP_ROLE: 'api',
    API_KEYS: [
      `ops:${RW}:rw`,
      `viewer:${RO}:ro`,
      `leaf-${mine}:${LEAF}:push:${mine}`,
      `leafrw-${mine}:${LEAF_RW}:rw:${mine}|999999`,
    ].join(','),
  });
  receiver = (
    await as(RW)
      .post('/receivers')
      .send({
        name: 'tokened',
        type: 'webhook',
        url: 'https://hooks.example.com/services/T000/B000/XXXXSECRET?token=abc',
      })
      .expect(201)
  ).body.id;
});

afterAll(async () => {
  await as(RW).delete(`/receivers/${receiver}`);
  for (const id of [mine, other]) await as(RW).delete(`/deployments/${id}`);
  await api?.stop();
  await db?.end();
});

describe('ro keys and receivers', () => {
  it('shows ro keys the receiver URL without path and query, rw keys all of it', async () => {
    const url = 'https://hooks.example.com/services/T000/B000/XXXXSECRET?token=abc';
    expect((await as(RW).get(`/receivers/${receiver}`).expect(200)).body.url).toBe(url);
    const ro = (await as(RO).get(`/receivers/${receiver}`).expect(200)).body;
    expect(ro.url).toBe('https://hooks.example.com/…');
    const listed = (await as(RO).get('/receivers').expect(200)).body;
    expect(JSON.stringify(listed)).not.toContain('XXXXSECRET');
  });

  it('shows ro keys no answer bodies in deliveries', async () => {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO alert_deliveries (id, receiver_id, dedupe_key, kind, status, body)
       VALUES (gen_random_uuid(), $1::int, 'bound-test:' || $1::text, 'firing', 'delivered', '[]')
       RETURNING id`,
      [receiver],
    );
    await db.query(
      `INSERT INTO alert_delivery_attempts (delivery_id, duration_ms, http_status, response_prefix)
       VALUES ($1, 3, 200, 'echo: XXXXSECRET')`,
      [rows[0].id],
    );
    const rw = (await as(RW).get(`/receivers/${receiver}/deliveries`).expect(200)).body;
    expect(rw[0].attempt_log[0].response_prefix).toBe('echo: XXXXSECRET');
    const ro = (await as(RO).get(`/receivers/${receiver}/deliveries`).expect(200)).body;
    expect(ro[0].attempt_log[0]).toMatchObject({ http_status: 200, response_prefix: null });
  });
});

describe('keys bound to fabrics', () => {
  it('push to its own deployment, 403 on another deployment', async () => {
    const sample = () => ({
      samples: [
        {
          node_id: 1,
          timestamp: new Date().toISOString(),
          latency_ms: 1,
          throughput_gbps: 1,
          error_rate: 0,
        },
      ],
    });
    const refused = await as(LEAF).post(`/deployments/${other}/telemetry`).send(sample());
    expect(refused.status).toBe(403);
    expectError(refused.body, 403, new RegExp(`deployment ${other} is not one of them`));
    const own = await as(LEAF).post(`/deployments/${mine}/telemetry`).send(sample());
    expect(own.status).not.toBe(403);
  });

  it('reads only its deployments: routes, fleet lists and events', async () => {
    await as(LEAF_RW).get(`/deployments/${mine}`).expect(200);
    const refused = await as(LEAF_RW).get(`/deployments/${other}`).expect(403);
    expectError(refused.body, 403, /not one of them/);
    await as(LEAF_RW).get(`/deployments/${other}/alert-rules`).expect(403);
    const list = (await as(LEAF_RW).get('/deployments?limit=1000').expect(200)).body;
    expect(list.map((d: { id: number }) => d.id)).toEqual([mine]);
    // The unbound key sees both.
    const all = (await as(RW).get('/deployments?limit=1000').expect(200)).body;
    expect(all.map((d: { id: number }) => d.id)).toEqual(expect.arrayContaining([mine, other]));
    await as(LEAF_RW).get(`/events?deployment_id=${other}`).expect(403);
    await as(LEAF_RW).get(`/events?deployment_id=${mine}`).expect(200);
    await as(LEAF_RW).get(`/alerts?deployment_id=${other}`).expect(403);
    const alerts = (await as(LEAF_RW).get('/alerts').expect(200)).body;
    expect(alerts.every((a: { deployment_id: number }) => a.deployment_id === mine)).toBe(true);
  });

  it('creates no deployment, receiver or silence, even with rw scope', async () => {
    const before = (await db.query('SELECT count(*)::int AS n FROM deployments')).rows[0].n;
    const d = await as(LEAF_RW)
      .post('/deployments')
      .send({ name: 'nope', target_node_count: 1 })
      .expect(403);
    expectError(d.body, 403, /POST \/deployments is outside its deployments/);
    await as(LEAF_RW)
      .post('/receivers')
      .send({ name: 'x', type: 'webhook', url: 'https://hooks.example.com/' })
      .expect(403);
    await as(LEAF_RW).delete(`/receivers/${receiver}`).expect(403);
    expect((await db.query('SELECT count(*)::int AS n FROM deployments')).rows[0].n).toBe(before);
    await as(RW).get(`/receivers/${receiver}`).expect(200);
  });
});
