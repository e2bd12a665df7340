import { expectError } from '../support/errors';
import { Service, startService } from '../support/service';
import { pollUntil } from '../support/poll';
import { SseClient } from '../support/sse-client';

const KEY = { 'X-API-Key': '0123456789abcdef0123' };

// API with workers: the deployment's nodes move (STATE_CHANGE rows) while it is deleted.
let api: Service;

beforeAll(async () => {
  api = await startService({
    APP_ROLE: 'all',
    API_KEYS: 'ops:0123456789abcdef0123:rw',
    SIM_TIME_SCALE: '0.05',
    RATE_LIMIT_PER_MINUTE: '0',
  });
});

afterAll(async () => {
  await api?.stop();
});

interface Ev {
  id: number;
  deployment_id: number;
  type: string;
  actor: string | null;
  request_id: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
}

async function fleetPage(query: string): Promise<{ events: Ev[]; next_since: number | null }> {
  return (await api.http.get(`/events?${query}`).set(KEY).expect(200)).body;
}

describe('audit events outlive their deployment', () => {
  it('keeps every event, adds DEPLOYMENT_DELETED with actor and request id, and still serves them', async () => {
    const created = await api.http
      .post('/deployments')
      .set(KEY)
      .send({ name: 'short-lived', target_node_count: 4 })
      .expect(201);
    const id: number = created.body.id;
    await api.http.patch(`/deployments/${id}`).set(KEY).send({ name: 'doomed' }).expect(200);
    const live = await SseClient.open(`${api.url}/deployments/${id}/events/stream`, KEY);
    expect(live.status).toBe(200);
    await pollUntil(() => live.events<Ev>().some((e) => e.type === 'STATE_CHANGE'), 'a transition');
    const before = (await api.http.get(`/deployments/${id}/events?limit=1000`).set(KEY).expect(200))
      .body.events as Ev[];

    await api.http
      .delete(`/deployments/${id}`)
      .set(KEY)
      .set('X-Request-Id', 'delete-4711')
      .expect(204);

    // The deployment is gone and its own events endpoint with it...
    expectError((await api.http.get(`/deployments/${id}`).set(KEY)).body, 404);
    expectError((await api.http.get(`/deployments/${id}/events`).set(KEY)).body, 404);
    expectError((await api.http.get(`/deployments/${id}/events/stream`).set(KEY)).body, 404);

    // ...but the fleet-wide trail still has every event, the delete last.
    const after = await fleetPage(`deployment_id=${id}&limit=1000`);
    expect(after.next_since).toBeNull();
    expect(after.events).toEqual(expect.arrayContaining(before));
    const last = after.events[after.events.length - 1];
    expect(last).toMatchObject({
      deployment_id: id,
      type: 'DEPLOYMENT_DELETED',
      actor: 'ops',
      request_id: 'delete-4711',
      metadata: { name: 'doomed', target_node_count: 4, version: 2, nodes_removed: 4 },
    });
    expect(after.events.filter((e) => e.type === 'DEPLOYMENT_DELETED')).toHaveLength(1);

    // The live stream delivered the delete, then ended.
    await pollUntil(() => live.ended, 'the stream to end');
    const streamed = live.events<Ev>();
    expect(streamed[streamed.length - 1]).toMatchObject({
      id: last.id,
      type: 'DEPLOYMENT_DELETED',
    });
    expect(live.messages[live.messages.length - 1]).toMatchObject({
      event: 'end',
      data: JSON.stringify({ reason: 'deployment deleted' }),
    });
    expect(streamed.map((e) => e.id).sort((x, y) => x - y)).toEqual(after.events.map((e) => e.id));
    live.close();

    // Paged and filtered like the per-deployment trail.
    const page1 = await fleetPage(`deployment_id=${id}&limit=2`);
    expect(page1.events.map((e) => e.id)).toEqual(after.events.slice(0, 2).map((e) => e.id));
    expect(page1.next_since).toBe(page1.events[1].id);
    const page2 = await fleetPage(`deployment_id=${id}&limit=1000&since=${page1.next_since}`);
    expect(page2.events.map((e) => e.id)).toEqual(after.events.slice(2).map((e) => e.id));
    const deletes = await fleetPage(`deployment_id=${id}&type=DEPLOYMENT_DELETED`);
    expect(deletes.events.map((e) => e.id)).toEqual([last.id]);
    const since = await fleetPage(
      `deployment_id=${id}&since=${encodeURIComponent(after.events[0].created_at)}&limit=1`,
    );
    expect(since.events.map((e) => e.id)).toEqual([after.events[0].id]);
  });

  it('needs a deployment id, and has an empty page for one that never had events', async () => {
    const missing = await api.http.get('/events').set(KEY);
    expectError(missing.body, 422, /deployment_id is required/);
    expectError((await api.http.get('/events?deployment_id=abc').set(KEY)).body, 422);
    expect(await fleetPage('deployment_id=2147483000')).toEqual({ events: [], next_since: null });
    // The route is guarded like every other one.
    expect((await api.http.get('/events?deployment_id=1')).status).toBe(401);
  });
});
