import { Pool } from 'pg';
import { pollUntil } from '../support/poll';
import { SseClient } from '../support/sse-client';
import { testPool } from '../support/database';
import { createDeployment } from '../support/deployments';
import { Service, startService } from '../support/service';

// API and worker in separate processes: events reach the streams only through PostgreSQL. The
// API logs at debug level, where each deployment feed says when it starts and stops.
let api: Service;
let worker: Service;
let db: Pool;
const clients: SseClient[] = [];

beforeAll(async () => {
  db = testPool();
  api = await startService({ APP_ROLE: 'api', LOG_LEVEL: 'debug', RATE_LIMIT_PER_MINUTE: '0' });
  worker = await startService({
    APP_ROLE: 'worker',
    SIM_TIME_SCALE: '0.2',
    SIM_FAILURE_RATE: '0.3',
  });
});

afterAll(async () => {
  clients.forEach((c) => c.close());
  await worker?.stop();
  await api?.stop();
  await db?.end();
});

interface Ev {
  id: number;
  type: string;
  metadata: Record<string, unknown>;
}

const ids = (c: SseClient) => c.events<Ev>().map((e) => e.id);

describe('one feed per deployment shared by every stream', () => {
  it('gives each of many streams every event once, in commit order, from its own start', async () => {
    const nodes = 24;
    const d = await createDeployment(api, {
      target_node_count: nodes,
      max_parallel: 6,
      name: 'shared-feed',
    });
    const url = `${api.url}/deployments/${d.id}/events/stream`;
    const open = async (headers: Record<string, string> = {}) => {
      const client = await SseClient.open(url, headers);
      expect(client.status).toBe(200);
      clients.push(client);
      return client;
    };

    // 40 streams at once from the first event, then more while the rollout runs: some from
    // the start (they catch up, then join), some resuming after an event seen earlier.
    const early = await Promise.all(Array.from({ length: 40 }, () => open()));
    const late: { client: SseClient; after: number | null }[] = [];
    for (let round = 0; round < 6; round++) {
      await pollUntil(() => early[0].events().length >= 10 * (round + 1), `round ${round}`);
      const seen = ids(early[round]);
      const after = seen[Math.floor(seen.length / 2)];
      late.push({ client: await open(), after: null });
      late.push({ client: await open({ 'Last-Event-ID': String(after) }), after });
    }

    // The rollout ends (3 transitions per node), then one last event marks the end of the test.
    await pollUntil(
      () => early[0].events<Ev>().filter((e) => e.type === 'STATE_CHANGE').length >= nodes * 3,
      'every node to reach RUNNING or FAILED',
    );
    await api.http.patch(`/deployments/${d.id}`).send({ name: 'marker' }).expect(200);
    const all = [...early, ...late.map((l) => l.client)];
    const hasMarker = (c: SseClient) => c.events<Ev>().some((e) => e.type === 'DEPLOYMENT_UPDATED');
    await pollUntil(() => all.every(hasMarker), 'the marker on every stream');

    // What PostgreSQL holds, in stream order: (writing transaction, id).
    const { rows } = await db.query<{ id: string }>(
      `SELECT id FROM events WHERE deployment_id = $1 ORDER BY xid, id`,
      [d.id],
    );
    const order = rows.map((r) => Number(r.id));
    const upToMarker = (c: SseClient) => {
      const got = ids(c);
      const marker = c.events<Ev>().findIndex((e) => e.type === 'DEPLOYMENT_UPDATED');
      return got.slice(0, marker + 1);
    };
    for (const client of early) expect(upToMarker(client)).toEqual(order);
    for (const { client, after } of late) {
      const from = after === null ? 0 : order.indexOf(after) + 1;
      expect(upToMarker(client)).toEqual(order.slice(from));
    }
    // Each event id on the wire once per stream, with its SSE id.
    for (const client of all) {
      expect(client.messages.filter((m) => !m.event).map((m) => Number(m.id))).toEqual(ids(client));
    }

    // One feed served all 52 streams: it started once for this deployment and is still running.
    const started = api.logs().match(new RegExp(`Event feed of deployment ${d.id} started`, 'g'));
    expect(started).toHaveLength(1);
    expect(api.logs()).not.toMatch(new RegExp(`Event feed of deployment ${d.id} stopped`));

    // When the last stream goes, so does the feed.
    all.forEach((c) => c.close());
    await pollUntil(
      () => api.logs().includes(`Event feed of deployment ${d.id} stopped`),
      'the feed to stop',
    );
  });
});
