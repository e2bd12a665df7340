import { connect } from 'node:net';
import { testPool } from '../utils/database';
import { expectError } from '../utils/http';
import { Service, startService } from '../utils/service';

const KEY = 'hostile-ops-secret';
let api: Service;
let port: number;
let deploymentId: number;
let nodeId: number;

beforeAll(async () => {
  api = await startService({
    APP_ROLE: 'api',
    API_KEYS: `hostile-ops:${KEY}:rw`,
    // Hundreds of requests in a few seconds: counted, never refused.
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_BURST: '1000000',
  });
  port = Number(new URL(api.url).port);
  const created = await api.http
    .post('/deployments')
    .set('X-API-Key', KEY)
    .send({ name: 'target', target_node_count: 2 })
    .expect(201);
  deploymentId = created.body.id;
  const nodes = await api.http.get(`/deployments/${deploymentId}/nodes`).set('X-API-Key', KEY);
  nodeId = nodes.body.nodes[0].id;
});

afterAll(async () => {
  await api?.stop();
});

/**
 * Sends bytes as they are (no client library would send most of these headers) and returns
 * the status line, then closes: enough for event streams, which never end.
 */
function rawRequest(head: Buffer, body = Buffer.alloc(0)): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const done = (line: string) => {
      socket.destroy();
      resolve(line);
    };
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const end = data.indexOf('\r\n');
      if (end >= 0) done(data.slice(0, end));
    });
    socket.on('error', (error) => (data ? done(data) : reject(error)));
    socket.on('close', () => done(data.split('\r\n')[0] || '(connection closed)'));
    socket.write(Buffer.concat([head, body]));
  });
}

type Header = [string, string | Buffer];
const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** Each case adds these headers to an otherwise good request. */
const HOSTILE: [string, Header[]][] = [
  ['X-Request-Id of 300 characters', [['X-Request-Id', 'r'.repeat(300)]]],
  ['X-Request-Id of 12 KiB', [['X-Request-Id', 'r'.repeat(12 * 1024)]]],
  ['X-Request-Id in unicode', [['X-Request-Id', utf8('réquête-漢字-🙂')]]],
  ['X-Request-Id empty', [['X-Request-Id', '']]],
  [
    'X-Request-Id twice',
    [
      ['X-Request-Id', 'first'],
      ['X-Request-Id', 'second'],
    ],
  ],
  ['X-Request-Id with a bare CR', [['X-Request-Id', 'a\rSet-Cookie: x=1']]],
  ['X-Request-Id with encoded CRLF', [['X-Request-Id', 'a%0d%0aSet-Cookie:%20x=1']]],
  ['X-Request-Id with a NUL', [['X-Request-Id', 'a\u0000b']]],
  ['X-Request-Id with quotes and angle brackets', [['X-Request-Id', `"><script>'`]]],
  ['Idempotency-Key of 300 characters', [['Idempotency-Key', 'k'.repeat(300)]]],
  ['Idempotency-Key in unicode', [['Idempotency-Key', utf8('clé-🙂')]]],
  ['Idempotency-Key empty', [['Idempotency-Key', '']]],
  [
    'Idempotency-Key twice',
    [
      ['Idempotency-Key', 'a'],
      ['Idempotency-Key', 'b'],
    ],
  ],
  ['If-Match garbage', [['If-Match', utf8('W/"é", *, "unterminated')]]],
  ['If-Match of 8 KiB', [['If-Match', `"${'9'.repeat(8 * 1024)}"`]]],
  ['Last-Event-ID garbage', [['Last-Event-ID', utf8('-1e999🙂')]]],
  ['Last-Event-ID huge', [['Last-Event-ID', '9'.repeat(400)]]],
  ['Authorization in unicode', [['Authorization', utf8('Bearer ключ')]]],
  ['Authorization without a token', [['Authorization', 'Bearer']]],
  ['a second, unknown X-API-Key', [['X-API-Key', utf8('ключ-🙂')]]],
  ['Content-Type with odd parameters', [['Content-Type', utf8('application/json; charset=é; x')]]],
  ['Accept in unicode', [['Accept', utf8('text/🙂')]]],
  ['X-Forwarded-For garbage', [['X-Forwarded-For', utf8('::ffff:999.1.1.1, 🙂')]]],
  ['a header folded over two lines', [['X-Note', 'first\r\n  folded']]],
  ['headers over 16 KiB', [['X-Padding', 'p'.repeat(17 * 1024)]]],
];

interface Target {
  method: string;
  path: () => string;
  body?: () => string;
}

const TARGETS: Target[] = [
  { method: 'GET', path: () => '/deployments' },
  { method: 'GET', path: () => `/deployments/${deploymentId}` },
  {
    method: 'POST',
    path: () => '/deployments',
    body: () => JSON.stringify({ name: 'hostile', target_node_count: 1 }),
  },
  {
    method: 'PATCH',
    path: () => `/deployments/${deploymentId}`,
    body: () => JSON.stringify({ description: 'patched' }),
  },
  { method: 'DELETE', path: () => '/deployments/2147483000' },
  { method: 'GET', path: () => `/deployments/${deploymentId}/nodes/${nodeId}` },
  { method: 'GET', path: () => `/deployments/${deploymentId}/events` },
  { method: 'GET', path: () => `/deployments/${deploymentId}/events/stream` },
  {
    method: 'POST',
    path: () => `/deployments/${deploymentId}/telemetry`,
    body: () =>
      JSON.stringify({
        samples: [{ node_id: nodeId, latency_ms: 1, throughput_gbps: 1, error_rate: 0 }],
      }),
  },
  { method: 'GET', path: () => `/deployments/${deploymentId}/bottlenecks` },
  { method: 'GET', path: () => '/health' },
  { method: 'GET', path: () => '/metrics' },
  { method: 'GET', path: () => '/no/such/route' },
];

function requestHead(target: Target, headers: Header[], bodyLength: number): Buffer {
  const lines: Header[] = [
    ['Host', 'localhost'],
    ['X-API-Key', KEY],
    ['Connection', 'close'],
    ...(bodyLength > 0 || target.body
      ? ([
          ['Content-Type', 'application/json'],
          ['Content-Length', String(bodyLength)],
        ] as Header[])
      : []),
    ...headers,
  ];
  return Buffer.concat([
    Buffer.from(`${target.method} ${target.path()} HTTP/1.1\r\n`),
    ...lines.map(([name, value]) =>
      Buffer.concat([Buffer.from(`${name}: `), Buffer.from(value), Buffer.from('\r\n')]),
    ),
    Buffer.from('\r\n'),
  ]);
}

describe('hostile headers never cause a 5xx', () => {
  it.each(HOSTILE)('%s', async (_, headers) => {
    for (const target of TARGETS) {
      const body = Buffer.from(target.body?.() ?? '');
      const line = await rawRequest(requestHead(target, headers, body.length), body);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(line)?.[1]);
      expect({ route: `${target.method} ${target.path()}`, line }).toEqual({
        route: `${target.method} ${target.path()}`,
        line: expect.stringMatching(/^HTTP\/1\.1 [1-4]\d\d /),
      });
      expect(status).toBeLessThan(500);
    }
  });

  it('is still up and answering after all of them', async () => {
    expect((await api.http.get('/health/live')).status).toBe(200);
    expect((await api.http.get('/deployments').set('X-API-Key', KEY)).status).toBe(200);
  });
});

describe('X-Request-Id', () => {
  it('keeps a short plain client id, in the response and the audit trail', async () => {
    const res = await api.http
      .post('/deployments')
      .set('X-API-Key', KEY)
      .set('X-Request-Id', 'ops-tool:run-17.3')
      .send({ name: 'traced', target_node_count: 1 })
      .expect(201);
    expect(res.headers['x-request-id']).toBe('ops-tool:run-17.3');
    const pool = testPool();
    try {
      const { rows } = await pool.query(
        `SELECT request_id FROM events WHERE deployment_id = $1 AND type = 'DEPLOYMENT_CREATED'`,
        [res.body.id],
      );
      expect(rows).toEqual([{ request_id: 'ops-tool:run-17.3' }]);
    } finally {
      await pool.end();
    }
  });

  it.each([
    ['300 characters', 'r'.repeat(300)],
    ['spaces', 'a b'],
    ['a slash', 'a/b'],
  ])('replaces one of %s with a generated UUID', async (_, value) => {
    const res = await api.http
      .post('/deployments')
      .set('X-API-Key', KEY)
      .set('X-Request-Id', value)
      .send({ name: 'traced', target_node_count: 1 })
      .expect(201);
    expect(res.headers['x-request-id']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });
});

describe('body limits', () => {
  const post = (path: string, body: string) =>
    fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY },
      body,
    });
  /** Valid JSON of about `bytes` bytes: the samples spaced out with whitespace. */
  const spacedSamples = (count: number, bytes: number) => {
    const sample = JSON.stringify({
      node_id: nodeId,
      latency_ms: 1,
      throughput_gbps: 1,
      error_rate: 0,
    });
    const gap = ' '.repeat(Math.ceil(bytes / count));
    return `{"samples":[${Array.from({ length: count }, () => sample).join(`,${gap}`)}]}`;
  };

  it('refuses more than 1 MiB on every route but the telemetry push', async () => {
    const big = JSON.stringify({
      name: 'big',
      description: 'd'.repeat(1024 * 1024 + 1),
      target_node_count: 1,
    });
    for (const [method, path] of [
      ['POST', '/deployments'],
      ['PATCH', `/deployments/${deploymentId}`],
      ['POST', `/deployments/${deploymentId}/nodes`],
    ]) {
      const res = await fetch(`${api.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-api-key': KEY },
        body: big,
      });
      expect({ path, status: res.status }).toEqual({ path, status: 413 });
      expectError(await res.json(), 413, /too large/);
    }
  });

  it('accepts a push of about 2 MiB', async () => {
    const body = spacedSamples(1000, 2 * 1024 * 1024);
    expect(body.length).toBeGreaterThan(2 * 1024 * 1024);
    const res = await post(`/deployments/${deploymentId}/telemetry`, body);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1000 });
  });

  it('refuses a push over 8 MiB', async () => {
    const res = await post(
      `/deployments/${deploymentId}/telemetry`,
      spacedSamples(10, 9 * 1024 * 1024),
    );
    expect(res.status).toBe(413);
    expectError(await res.json(), 413, /too large/);
  });
});
