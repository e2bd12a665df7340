import { createDeployment } from '../support/deployments';
import { Service, startService } from '../support/service';
import { pollUntil } from '../support/poll';
import { SseClient } from '../support/sse-client';

// API and worker as separate processes: events reach the stream only through PostgreSQL.
let api: Service;
let worker: Service;

beforeAll(async () => {
  api = await startService({ APP_ROLE: 'api' });
  worker = await startService({
    APP_ROLE: 'worker',
    SIM_TIME_SCALE: '0.02',
    SIM_FAILURE_RATE: '0.3',
  });
});

afterAll(async () => {
  await worker?.stop();
  await api?.stop();
});

interface Ev {
  id: number;
  type: string;
  node_id: number | null;
  from_state: string | null;
  to_state: string | null;
}

describe('GET /deployments/{id}/events/stream', () => {
  it('delivers a rollout in order, once each, resumes from Last-Event-ID and ends on delete', async () => {
    const nodes = 8;
    const d = await createDeployment(api, { target_node_count: nodes });
    const live = await SseClient.open(`${api.url}/deployments/${d.id}/events/stream`);
    expect(live.status).toBe(200);
    expect(live.headers()['content-type']).toMatch(/^text\/event-stream/);
    const transitions = () => live.events<Ev>().filter((e) => e.type === 'STATE_CHANGE');
    await pollUntil(
      () => transitions().length >= nodes * 3,
      'every node to reach a terminal state',
    );
    // The stream must hold the audit trail: an event written after the last transition (the
    // status event alerting records, say) may still be on its way, so the snapshot compared is
    // one taken once the stream has caught up with the trail.
    const ids = (events: Ev[]) => events.map((e) => e.id).sort((a, b) => a - b);
    const { streamed, listed } = await pollUntil(
      async () => {
        const trail = await api.http.get(`/deployments/${d.id}/events?limit=1000`).expect(200);
        return { streamed: live.events<Ev>(), listed: trail.body.events as Ev[] };
      },
      'the stream to hold every event of the audit trail',
      { until: (seen) => ids(seen.streamed).join() === seen.listed.map((e) => e.id).join() },
    );
    // Each event once, with its id on the wire.
    expect(new Set(streamed.map((e) => e.id)).size).toBe(streamed.length);
    expect(live.messages.filter((m) => !m.event).map((m) => Number(m.id))).toEqual(
      streamed.map((e) => e.id),
    );
    expect(streamed[0].type).toBe('DEPLOYMENT_CREATED');
    // Per node, the lifecycle in order.
    const byNode = new Map<number, string[]>();
    for (const e of transitions()) {
      byNode.set(e.node_id!, [...(byNode.get(e.node_id!) ?? []), `${e.from_state}>${e.to_state}`]);
    }
    expect(byNode.size).toBe(nodes);
    for (const path of byNode.values()) {
      expect(path.slice(0, 2)).toEqual(['PENDING>PROVISIONING', 'PROVISIONING>CONFIGURING']);
      expect(['CONFIGURING>RUNNING', 'CONFIGURING>FAILED']).toContain(path[2]);
    }
    // The same set of events as the audit trail.
    expect(ids(streamed)).toEqual(listed.map((e) => e.id));

    // A client that saw the first five resumes with exactly the rest.
    const resumed = await SseClient.open(`${api.url}/deployments/${d.id}/events/stream`, {
      'Last-Event-ID': String(streamed[4].id),
    });
    await pollUntil(() => resumed.events().length >= streamed.length - 5, 'the resumed stream');
    await api.http.patch(`/deployments/${d.id}`).send({ name: 'renamed' }).expect(200);
    // Both streams deliver it, each on its own poll: compare once both have it.
    const updated = (c: SseClient) => c.events<Ev>().some((e) => e.type === 'DEPLOYMENT_UPDATED');
    await pollUntil(() => updated(resumed) && updated(live), 'a new event on both streams');
    const throughUpdate = (events: Ev[]) =>
      events
        .slice(0, events.findIndex((e) => e.type === 'DEPLOYMENT_UPDATED') + 1)
        .map((e) => e.id);
    expect(throughUpdate(resumed.events<Ev>())).toEqual(
      throughUpdate([...streamed.slice(5), ...live.events<Ev>().slice(streamed.length)]),
    );

    // Delete: both streams end cleanly.
    await api.http.delete(`/deployments/${d.id}`).expect(204);
    await pollUntil(() => live.ended && resumed.ended, 'the streams to end');
    expect(live.messages[live.messages.length - 1]).toMatchObject({ event: 'end' });
    live.close();
    resumed.close();
  });

  it('is 404 for a missing deployment and 422 for a malformed Last-Event-ID', async () => {
    const missing = await api.http.get('/deployments/999999/events/stream');
    expect(missing.status).toBe(404);
    const d = await createDeployment(api, { target_node_count: 1 });
    const bad = await api.http
      .get(`/deployments/${d.id}/events/stream`)
      .set('Last-Event-ID', 'yesterday');
    expect(bad.status).toBe(422);
  });

  it('lets the client go without leaving the stream running', async () => {
    const d = await createDeployment(api, { target_node_count: 1 });
    const client = await SseClient.open(`${api.url}/deployments/${d.id}/events/stream`);
    await pollUntil(() => client.events().length >= 1, 'the first event');
    client.close();
    // The API keeps serving and shuts down promptly (no stream holds it open).
    await api.http.get(`/deployments/${d.id}`).expect(200);
  });
});
