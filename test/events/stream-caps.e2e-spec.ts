import { pollUntil } from '../support/poll';
import { SseClient } from '../support/sse-client';
import { expectError } from '../support/errors';
import { Service, startService } from '../support/service';

// Keys of three callers; the API runs without workers, so the only events are the API's own.
const OPS = '0123456789abcdef0123';
const VIEW_A = 'viewer-a-secret-0001';
const VIEW_B = 'viewer-b-secret-0002';

let keyed: Service;
let open: Service;
const clients: SseClient[] = [];

beforeAll(async () => {
  [keyed, open] = await Promise.all([
    startService({
      APP_ROLE: 'api',
      API_KEYS: `ops:${OPS}:rw,view-a:${VIEW_A}:ro,view-b:${VIEW_B}:ro`,
      MAX_EVENT_STREAMS: '5',
      MAX_EVENT_STREAMS_PER_KEY: '3',
      RATE_LIMIT_PER_MINUTE: '0',
    }),
    startService({ APP_ROLE: 'api', MAX_EVENT_STREAMS_PER_KEY: '2', RATE_LIMIT_PER_MINUTE: '0' }),
  ]);
});

afterAll(async () => {
  clients.forEach((c) => c.close());
  await Promise.all([keyed?.stop(), open?.stop()]);
});

async function stream(
  service: Service,
  id: number,
  headers: Record<string, string> = {},
  localAddress?: string,
): Promise<SseClient> {
  const client = await SseClient.open(
    `${service.url}/deployments/${id}/events/stream`,
    headers,
    localAddress ? { localAddress } : {},
  );
  clients.push(client);
  return client;
}

async function refusalOf(client: SseClient) {
  await pollUntil(() => client.ended, 'the refusal body');
  return JSON.parse(client.raw) as unknown;
}

interface Ev {
  type: string;
  metadata: Record<string, unknown>;
}

describe('event stream caps', () => {
  it('refuses a key beyond its share and the process beyond its cap; the others keep streaming', async () => {
    const created = await keyed.http
      .post('/deployments')
      .set('X-API-Key', OPS)
      .send({ name: 'capped', target_node_count: 2 })
      .expect(201);
    const id: number = created.body.id;

    const a = [];
    for (let i = 0; i < 3; i++) a.push(await stream(keyed, id, { 'X-API-Key': VIEW_A }));
    expect(a.map((c) => c.status)).toEqual([200, 200, 200]);

    // view-a has its 3: its 4th is refused, with Retry-After and the usual error body.
    const fourth = await stream(keyed, id, { 'X-API-Key': VIEW_A });
    expect(fourth.status).toBe(429);
    expect(Number(fourth.headers()['retry-after'])).toBeGreaterThan(0);
    expect(fourth.headers()['content-type']).toMatch(/^application\/json/);
    expectError(await refusalOf(fourth), 429, /API key "view-a" has 3 event streams open/);

    // view-b has its own share, until the process cap of 5.
    const b = [await stream(keyed, id, { 'X-API-Key': VIEW_B })];
    b.push(await stream(keyed, id, { 'X-API-Key': VIEW_B }));
    expect(b.map((c) => c.status)).toEqual([200, 200]);
    const sixth = await stream(keyed, id, { 'X-API-Key': VIEW_B });
    expect(sixth.status).toBe(429);
    expect(sixth.headers()['retry-after']).toBeDefined();
    expectError(await refusalOf(sixth), 429, /5 event streams open.*MAX_EVENT_STREAMS=5/);

    // Everything else still works, and every open stream gets a new event.
    await keyed.http.get(`/deployments/${id}`).set('X-API-Key', VIEW_B).expect(200);
    await keyed.http
      .patch(`/deployments/${id}`)
      .set('X-API-Key', OPS)
      .send({ name: 'capped-renamed' })
      .expect(200);
    const open5 = [...a, ...b];
    const renamed = (c: SseClient) => c.events<Ev>().some((e) => e.type === 'DEPLOYMENT_UPDATED');
    await pollUntil(() => open5.every(renamed), 'the rename on every open stream');
    expect(open5.every((c) => !c.ended)).toBe(true);

    // A closed stream gives its slot back.
    a[0].close();
    await pollUntil(async () => {
      const again = await stream(keyed, id, { 'X-API-Key': VIEW_B });
      if (again.status === 200) return true;
      again.close();
      return false;
    }, 'a slot freed by the closed stream');
  });

  it('counts the open API per client address', async () => {
    const created = await open.http
      .post('/deployments')
      .send({ name: 'open-capped', target_node_count: 1 })
      .expect(201);
    const id: number = created.body.id;
    const first = await stream(open, id, {}, '127.0.0.1');
    const second = await stream(open, id, {}, '127.0.0.1');
    const third = await stream(open, id, {}, '127.0.0.1');
    expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
    expectError(await refusalOf(third), 429, /client 127\.0\.0\.1 has 2 event streams open/);
    // Another address has a share of its own.
    const elsewhere = await stream(open, id, {}, '127.0.0.2');
    expect(elsewhere.status).toBe(200);
    await pollUntil(
      () => [first, second, elsewhere].every((c) => c.events().length >= 1),
      'the first event on each stream',
    );
  });
});
