import { execFile } from 'node:child_process';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDeployment } from '../support/deployments';
import { Service, startService } from '../support/service';

const run = promisify(execFile);
const RW = 'body-ops-secret';
const RO = 'body-viewer-secret';
const PUSH_LIMIT = 8 * 1024 * 1024;
let api: Service;
let port: number;
let deploymentId: number;
let nodeId: number;
let dir: string;

beforeAll(async () => {
  api = await startService({
    APP_ROLE: 'api',
    API_KEYS: `body-ops:${RW}:rw,body-viewer:${RO}:ro`,
  });
  port = Number(new URL(api.url).port);
  deploymentId = (await createDeployment(api, { name: 'body', target_node_count: 1 }, RW)).id;
  const nodes = await api.http.get(`/deployments/${deploymentId}/nodes`).set('X-API-Key', RW);
  nodeId = nodes.body.nodes[0].id;
  dir = await mkdtemp(join(tmpdir(), 'netorch-body-'));
});

afterAll(async () => {
  await api?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface RawAnswer {
  /** Status lines in the order they came (an interim 100 Continue first, if any). */
  statuses: number[];
  body: string;
}

/**
 * Sends only a request head (no body) and reads what comes back until a final answer with its
 * whole body arrived: the service must answer from the headers alone. `then` runs after an
 * interim 100 Continue, to send the body the client was told to send.
 */
function headOnly(head: string, then?: (send: (b: Buffer) => void) => void): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    let continued = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no final answer; received so far: ${JSON.stringify(data)}`));
    }, 30_000);
    const parse = (): RawAnswer | null => {
      const statuses: number[] = [];
      let rest = data;
      for (;;) {
        const end = rest.indexOf('\r\n\r\n');
        if (end < 0) return null;
        const headers = rest.slice(0, end);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]);
        statuses.push(status);
        rest = rest.slice(end + 4);
        if (status === 100) {
          if (!continued && then) {
            continued = true;
            then((b) => socket.write(b));
          }
          continue;
        }
        const length = Number(/content-length: (\d+)/i.exec(headers)?.[1] ?? 0);
        return rest.length >= length ? { statuses, body: rest.slice(0, length) } : null;
      }
    };
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const answer = parse();
      if (answer) {
        clearTimeout(timer);
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('error', reject);
    socket.write(head);
  });
}

const pushHead = (length: number, extra = '') =>
  `POST /deployments/${deploymentId}/telemetry HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
  `Content-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;

async function storedSamples(): Promise<number> {
  const res = await api.http
    .get(`/deployments/${deploymentId}/telemetry?limit=1`)
    .set('X-API-Key', RW)
    .expect(200);
  return res.body.total as number;
}

/** A push body of more than `bytes` bytes (valid JSON, so only its size is wrong). */
function oversizedBody(bytes: number): string {
  const sample = { node_id: 1, latency_ms: 1, note: 'x'.repeat(200) };
  const count = Math.ceil(bytes / JSON.stringify(sample).length) + 1;
  return JSON.stringify({ samples: Array.from({ length: count }, () => sample) });
}

describe('a request the headers refuse is answered before its body is read', () => {
  it('401 without a key and 403 outside the key scope, with 8 MiB announced and never sent', async () => {
    const none = await headOnly(pushHead(PUSH_LIMIT));
    expect(none.statuses).toEqual([401]);
    expect(JSON.parse(none.body)).toEqual({
      status_code: 401,
      error: 'Unauthorized',
      detail: 'Send an API key in the X-API-Key header or as Authorization: Bearer <key>',
    });
    const bad = await headOnly(pushHead(PUSH_LIMIT, 'X-API-Key: not-a-key\r\n'));
    expect(bad.statuses).toEqual([401]);
    expect(JSON.parse(bad.body).detail).toBe('The API key is not valid');
    const ro = await headOnly(pushHead(PUSH_LIMIT, `X-API-Key: ${RO}\r\n`));
    expect(ro.statuses).toEqual([403]);
    expect(JSON.parse(ro.body).detail).toBe(
      `API key "body-viewer" has scope ro and may only read (GET); POST /deployments/{id}/telemetry needs another key`,
    );
    // Any controller route, not only the push: a create with a body that never comes.
    const create = await headOnly(
      `POST /deployments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`,
    );
    expect(create.statuses).toEqual([401]);
  });

  it('answers Expect: 100-continue with the refusal instead of 100 Continue', async () => {
    const expect100 = 'Expect: 100-continue\r\n';
    expect((await headOnly(pushHead(1000, expect100))).statuses).toEqual([401]);
    expect((await headOnly(pushHead(1000, `X-API-Key: ${RO}\r\n${expect100}`))).statuses).toEqual([
      403,
    ]);
    const large = await headOnly(pushHead(PUSH_LIMIT + 1, `X-API-Key: ${RW}\r\n${expect100}`));
    expect(large.statuses).toEqual([413]);
    expect(JSON.parse(large.body)).toEqual({
      status_code: 413,
      error: 'Payload Too Large',
      detail: `Request body is too large: Content-Length ${PUSH_LIMIT + 1}, this route accepts at most ${PUSH_LIMIT} bytes`,
    });
    // Admitted: 100 Continue, then the body, then the push's own answer.
    const body = Buffer.from(
      JSON.stringify({
        samples: [{ node_id: nodeId, latency_ms: 2.5, throughput_gbps: 10, error_rate: 0 }],
      }),
    );
    const before = await storedSamples();
    const admitted = await headOnly(
      pushHead(body.length, `X-API-Key: ${RW}\r\n${expect100}`),
      (send) => send(body),
    );
    expect(admitted.statuses).toEqual([100, 202]);
    expect(JSON.parse(admitted.body)).toEqual({ accepted: 1 });
    expect(await storedSamples()).toBe(before + 1);
  });
});

describe('an oversized body gets a 413 every common client can read', () => {
  let file: string;
  const body = oversizedBody(PUSH_LIMIT + 1024 * 1024);
  const url = () => `${api.url}/deployments/${deploymentId}/telemetry`;

  beforeAll(async () => {
    file = join(dir, 'oversized.json');
    await writeFile(file, body);
  });

  const detail = `Request body is too large: Content-Length ${Buffer.byteLength(body)}, this route accepts at most ${PUSH_LIMIT} bytes`;

  it("Node's fetch", async () => {
    const before = await storedSamples();
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': RW },
        body,
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ status_code: 413, error: 'Payload Too Large', detail });
    }
    expect(await storedSamples()).toBe(before);
  });

  it('curl, with and without Expect: 100-continue', async () => {
    for (const expectHeader of [[], ['-H', 'Expect:']]) {
      const { stdout } = await run('curl', [
        '-sS',
        '-w',
        '\n%{http_code}',
        '-X',
        'POST',
        '-H',
        'content-type: application/json',
        '-H',
        `x-api-key: ${RW}`,
        ...expectHeader,
        '--data-binary',
        `@${file}`,
        url(),
      ]);
      const [answer, status] = stdout.split('\n');
      expect(status).toBe('413');
      expect(JSON.parse(answer)).toEqual({ status_code: 413, error: 'Payload Too Large', detail });
    }
  });

  it("Python's requests", async () => {
    const script = [
      'import json, sys, requests',
      'r = requests.post(sys.argv[1], data=open(sys.argv[2], "rb").read(),',
      '    headers={"content-type": "application/json", "x-api-key": sys.argv[3]})',
      'print(json.dumps({"status": r.status_code, "body": r.json()}))',
    ].join('\n');
    const { stdout } = await run(await pythonWithRequests(), ['-c', script, url(), file, RW]);
    expect(JSON.parse(stdout)).toEqual({
      status: 413,
      body: { status_code: 413, error: 'Payload Too Large', detail },
    });
  });
});

/** The first Python on this machine that has `requests` (npm test installs Debian's if none). */
async function pythonWithRequests(): Promise<string> {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      await run(python, ['-c', 'import requests']);
      return python;
    } catch {
      // try the next one
    }
  }
  throw new Error('No python3 with requests: apt-get install -y python3-requests');
}
