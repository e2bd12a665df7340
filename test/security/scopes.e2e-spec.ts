import { NodeRow } from '../support/deployments';
import { expectError } from '../support/errors';
import { PUBLIC_PATHS } from '../support/public-paths';
import { Service, startService } from '../support/service';

/** Keys of each scope; the API runs without workers, so nodes stay PENDING. */
const KEYS = {
  rw: 'scopes-ops-secret',
  ro: 'scopes-viewer-secret',
  push: 'scopes-switch-secret',
} as const;
type Scope = keyof typeof KEYS;

let api: Service;
let deploymentId: number;
let nodes: NodeRow[];

beforeAll(async () => {
  api = await startService({
    APP_ROLE: 'api',
    API_KEYS: `scopes-ops:${KEYS.rw}:rw,scopes-viewer:${KEYS.ro}:ro,scopes-switch:${KEYS.push}:push`,
  });
  const created = await api.http
    .post('/deployments')
    .set('X-API-Key', KEYS.rw)
    .send({ name: 'scoped', target_node_count: 5 })
    .expect(201);
  deploymentId = created.body.id;
  const listed = await authed(KEYS.rw).get(`/deployments/${deploymentId}/nodes`).expect(200);
  nodes = listed.body.nodes;
});

afterAll(async () => {
  await api?.stop();
});

/** A supertest agent-like wrapper that sends the key on every request. */
function authed(key: string) {
  const wrap = (method: 'get' | 'post' | 'patch' | 'delete' | 'head') => (path: string) =>
    api.http[method](path).set('X-API-Key', key);
  return {
    get: wrap('get'),
    post: wrap('post'),
    patch: wrap('patch'),
    delete: wrap('delete'),
    head: wrap('head'),
  };
}

interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'DELETE';
  path: () => string;
  body?: () => object;
  /** The status each scope gets when allowed (absent: refused with 403). */
  allowed: Partial<Record<Scope, number>>;
}

const d = () => `/deployments/${deploymentId}`;
const sample = () => ({
  samples: [{ node_id: nodes[0].id, latency_ms: 5, throughput_gbps: 9, error_rate: 0.1 }],
});
const reads = { ro: 200, rw: 200 };

// Every route family; the mutating ones that remove things come last.
const ROUTES: Route[] = [
  { method: 'GET', path: () => '/deployments', allowed: reads },
  { method: 'GET', path: d, allowed: reads },
  { method: 'HEAD', path: d, allowed: reads },
  {
    method: 'POST',
    path: () => '/deployments',
    body: () => ({ name: 'made-by-scope-test', target_node_count: 1 }),
    allowed: { rw: 201 },
  },
  { method: 'PATCH', path: d, body: () => ({ name: 'renamed' }), allowed: { rw: 200 } },
  { method: 'POST', path: () => `${d()}/retry`, allowed: { rw: 409 } },
  { method: 'GET', path: () => `${d()}/nodes`, allowed: reads },
  { method: 'POST', path: () => `${d()}/nodes`, body: () => ({ count: 1 }), allowed: { rw: 201 } },
  { method: 'GET', path: () => `${d()}/nodes/node-001`, allowed: reads },
  {
    method: 'PATCH',
    path: () => `${d()}/nodes/node-001`,
    body: () => ({ hostname: 'leaf-1' }),
    allowed: { rw: 200 },
  },
  { method: 'POST', path: () => `${d()}/nodes/node-001/retry`, allowed: { rw: 409 } },
  { method: 'GET', path: () => `${d()}/events`, allowed: reads },
  { method: 'GET', path: () => `/events?deployment_id=${deploymentId}`, allowed: reads },
  { method: 'GET', path: () => `${d()}/telemetry`, allowed: reads },
  {
    method: 'GET',
    path: () => `${d()}/telemetry/series?metric=latency_ms&bucket=1m`,
    allowed: reads,
  },
  {
    method: 'POST',
    path: () => `${d()}/telemetry`,
    body: sample,
    allowed: { rw: 202, push: 202 },
  },
  { method: 'GET', path: () => `${d()}/bottlenecks`, allowed: reads },
  { method: 'DELETE', path: () => `${d()}/nodes/node-005`, allowed: { rw: 204 } },
];

function send(route: Route, key?: string) {
  const method = route.method.toLowerCase() as 'get' | 'head' | 'post' | 'patch' | 'delete';
  let req = api.http[method](route.path());
  if (key) req = req.set('X-API-Key', key);
  return route.body ? req.send(route.body()) : req;
}

const label = (r: Route) => `${r.method} ${r.path().replace(/\/\d+/, '/{id}')}`;

describe('every route family refuses callers without the right key', () => {
  it.each(ROUTES.map((r) => [label(r), r] as const))('%s', async (_, route) => {
    const none = await send(route);
    expect(none.status).toBe(401);
    if (route.method !== 'HEAD') expectError(none.body, 401, /Send an API key/);
    const wrong = await send(route, 'not-a-key');
    expect(wrong.status).toBe(401);
    if (route.method !== 'HEAD') expectError(wrong.body, 401, /not valid/);
    for (const scope of ['ro', 'push', 'rw'] as const) {
      if (route.allowed[scope] !== undefined) continue;
      const refused = await send(route, KEYS[scope]);
      expect({ scope, status: refused.status }).toEqual({ scope, status: 403 });
      if (route.method !== 'HEAD') {
        expectError(refused.body, 403, new RegExp(`has scope ${scope}`));
      }
    }
  });
});

describe('every route family serves the scopes it allows', () => {
  // In table order: the node delete runs after the reads that need the node.
  it.each(ROUTES.map((r) => [label(r), r] as const))('%s', async (_, route) => {
    for (const scope of ['ro', 'push', 'rw'] as const) {
      const expected = route.allowed[scope];
      if (expected === undefined) continue;
      const res = await send(route, KEYS[scope]);
      expect({ scope, status: res.status }).toEqual({ scope, status: expected });
    }
  });

  it('streams events to a read-only key and refuses a push key', async () => {
    const open = async (key: string) => {
      const abort = new AbortController();
      const res = await fetch(`${api.url}${d()}/events/stream`, {
        headers: { 'X-API-Key': key },
        signal: abort.signal,
      });
      const status = res.status;
      const type = res.headers.get('content-type');
      abort.abort();
      return { status, type };
    };
    expect(await open(KEYS.ro)).toEqual({
      status: 200,
      type: expect.stringMatching(/^text\/event-stream/),
    });
    expect((await open(KEYS.push)).status).toBe(403);
  });

  it('deletes a deployment only with a read-write key', async () => {
    const other = await authed(KEYS.rw)
      .post('/deployments')
      .send({ name: 'to-delete', target_node_count: 1 })
      .expect(201);
    const path = `/deployments/${other.body.id}`;
    expectError((await authed(KEYS.ro).delete(path)).body, 403, /may only read/);
    expectError(
      (await authed(KEYS.push).delete(path)).body,
      403,
      /"scopes-switch" has scope push and may only push telemetry .*; DELETE \/deployments\/\{id\} needs another key$/,
    );
    expect((await authed(KEYS.rw).delete(path)).status).toBe(204);
  });

  it('takes the key as a bearer token too', async () => {
    const res = await api.http
      .post(`${d()}/telemetry`)
      .set('Authorization', `Bearer ${KEYS.push}`)
      .send(sample());
    expect(res.status).toBe(202);
  });
});

describe('public routes', () => {
  it.each([...PUBLIC_PATHS, '/docs-json'])('%s needs no key', async (path) => {
    expect((await api.http.get(path)).status).toBe(200);
  });
});
