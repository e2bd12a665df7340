import { connect } from 'node:net';
import { testPool } from '../support/database';
import { expectError } from '../support/errors';
import { createDeployment } from '../support/deployments';
import { Service, startService } from '../support/service';

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
  deploymentId = (await createDeployment(api, { name: 'target', target_node_count: 2 }, KEY)).id;
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
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the request was sent is the server closing; a refused one is not.
      if (data || error.code === 'ECONNRESET' || error.code === 'EPIPE') {
        done(data.split('\r\n')[0] || '(connection closed)');
      } else reject(error);
    });
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

/**
 * Requests Node's HTTP parser refuses itself: it answers 400 or 431 and closes at once, and when
 * bytes of the request are still unread the close resets the connection, which may drop that
 * answer before the client reads it. Either way nothing reached the application.
 */
const PARSER_REFUSES = new Set([
  'X-Request-Id with a bare CR',
  'X-Request-Id with a NUL',
  'a header folded over two lines',
  'headers over 16 KiB',
]);

describe('hostile headers never cause a 5xx', () => {
  it.each(HOSTILE)('%s', async (name, headers) => {
    const answers = PARSER_REFUSES.has(name)
      ? /^(HTTP\/1\.1 4\d\d |\(connection closed\)$)/
      : /^HTTP\/1\.1 [1-4]\d\d /;
    for (const target of TARGETS) {
      const body = Buffer.from(target.body?.() ?? '');
      const line = await rawRequest(requestHead(target, headers, body.length), body);
      const route = `${target.method} ${target.path()}`;
      expect({ route, line }).toEqual({ route, line: expect.stringMatching(answers) });
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

  /**
   * A body of `bytes` bytes on a raw socket, and the answer. `announced`: Content-Length says
   * the size and only its first KiB is sent, since the server must answer from the headers.
   * `chunked`: the whole body is sent without a length, so the server must count it. The
   * connection stays open (keep-alive) so the server drains what it refused instead of
   * resetting the connection, which would lose its answer.
   */
  function sendLarge(
    method: string,
    path: string,
    bytes: number,
    framing: 'announced' | 'chunked',
  ): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let data = Buffer.alloc(0);
      let answered = false;
      const parse = () => {
        const end = data.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = data.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
        const body = data.subarray(end + 4);
        if (!(body.length >= length)) return;
        answered = true;
        socket.destroy();
        resolve({
          status: Number(head.slice(9, 12)),
          body: JSON.parse(body.subarray(0, length).toString()),
        });
      };
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        parse();
      });
      // Writes after the server's answer fail; only a missing answer is an error.
      socket.on('error', () => undefined);
      socket.on('close', () => {
        if (!answered) reject(new Error(`no complete answer: ${data.toString('latin1')}`));
      });
      const framingHeader =
        framing === 'announced' ? `Content-Length: ${bytes}` : 'Transfer-Encoding: chunked';
      socket.write(
        `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nX-API-Key: ${KEY}\r\n` +
          `Content-Type: application/json\r\n${framingHeader}\r\n\r\n`,
      );
      if (framing === 'announced') {
        socket.write(Buffer.alloc(1024, 0x20));
        return;
      }
      const piece = `${(64 * 1024).toString(16)}\r\n${' '.repeat(64 * 1024)}\r\n`;
      let sent = 0;
      const pump = (): void => {
        while (!answered && !socket.destroyed && sent < bytes) {
          sent += 64 * 1024;
          if (!socket.write(sent < bytes ? piece : `${piece}0\r\n\r\n`)) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
  }

  const smallBodyRoutes: [string, string, () => string][] = [
    ['POST /deployments', 'POST', () => '/deployments'],
    ['PATCH /deployments/{id}', 'PATCH', () => `/deployments/${deploymentId}`],
    ['POST /deployments/{id}/nodes', 'POST', () => `/deployments/${deploymentId}/nodes`],
  ];

  it.each(smallBodyRoutes)('refuses more than 1 MiB on %s', async (_, method, path) => {
    for (const framing of ['announced', 'chunked'] as const) {
      const res = await sendLarge(method, path(), 1024 * 1024 + 64 * 1024, framing);
      expect({ framing, status: res.status }).toEqual({ framing, status: 413 });
      expectError(res.body, 413, /too large/);
    }
  });

  it('accepts a push of about 2 MiB', async () => {
    const body = spacedSamples(1000, 2 * 1024 * 1024);
    expect(body.length).toBeGreaterThan(2 * 1024 * 1024);
    const res = await fetch(`${api.url}/deployments/${deploymentId}/telemetry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY },
      body,
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1000 });
  });

  it('refuses a push over 8 MiB', async () => {
    for (const framing of ['announced', 'chunked'] as const) {
      const res = await sendLarge(
        'POST',
        `/deployments/${deploymentId}/telemetry`,
        9 * 1024 * 1024,
        framing,
      );
      expect({ framing, status: res.status }).toEqual({ framing, status: 413 });
      expectError(res.body, 413, /too large/);
    }
  });
});
