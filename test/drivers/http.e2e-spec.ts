import Redis from 'ioredis';
import { Pool } from 'pg';
import { Webhook } from 'standardwebhooks';
import { testPool } from '../support/database';
import { createDeployment } from '../support/deployments';
import { pollUntil } from '../support/poll';
import { Received, ReceiverServer } from '../support/receiver-server';
import { Service, startService } from '../support/service';
import { cleanUp } from '../support/suite';

const NAME = 'drivers-http';
const SECRET = 'driver-secret-7f3a9c1e55';

interface RunRequest {
  run_id: string;
  phase: string;
  deployment: { id: number; name: string };
  nodes: {
    id: number;
    node_id: string;
    hostname: string;
    management_address: string;
    role: string;
  }[];
  callback_url: string;
  callback_token: string;
  deadline: string;
}

describe('http driver (a real local endpoint that checks signatures and calls back)', () => {
  let service: Service;
  let db: Pool;
  const endpoint = new ReceiverServer();
  const tokens: string[] = [];
  /** The id of the http-secret credential that signs the runs. */
  let signing: number;

  beforeAll(async () => {
    await endpoint.start();
    db = testPool();
    service = await startService();
    signing = (
      await service.http
        .post('/credentials')
        .send({ name: `${NAME}-${Date.now()}`, kind: 'http-secret', secret: SECRET })
        .expect(201)
    ).body.id;
  });

  afterAll(async () => {
    await cleanUp({ service, db, name: NAME });
    await endpoint.stop();
  });

  /** The endpoint's side: the requests for `path`, each verified against the secret. */
  const runs = (path: string): RunRequest[] =>
    endpoint.on(path).map((r: Received) => {
      const verified = new Webhook(Buffer.from(SECRET, 'utf8'), { format: 'raw' }).verify(
        r.raw,
        r.headers as Record<string, string>,
      ) as RunRequest;
      expect(r.headers['webhook-id']).toBe(verified.run_id);
      tokens.push(verified.callback_token);
      return verified;
    });

  const report = (run: RunRequest, results: unknown[], token = run.callback_token) =>
    service.http
      .post(new URL(run.callback_url).pathname)
      .set('authorization', `Bearer ${token}`)
      .send({ results });

  const states = async (id: number) =>
    Object.fromEntries(
      (
        (await service.http.get(`/deployments/${id}/nodes`).expect(200)).body.nodes as {
          node_id: string;
          state: string;
        }[]
      ).map((n) => [n.node_id, n.state]),
    );

  it('sends signed runs and applies partial, duplicate and forged callbacks as the rules say', async () => {
    const deployment = await createDeployment(service, {
      name: NAME,
      target_node_count: 4,
      provisioning: {
        driver: 'http',
        url: `${endpoint.url}/run`,
        credential: signing,
        batch_size: 2,
      },
    });
    const sent = await pollUntil(() => runs('/run'), 'two provision runs', {
      until: (r) => r.length >= 2,
    });
    expect(sent.map((r) => r.nodes.length)).toEqual([2, 2]);
    expect(sent[0]).toMatchObject({
      phase: 'provision',
      deployment: { id: deployment.id, name: NAME },
    });
    expect(sent[0].callback_url).toBe(`${service.url}/driver-runs/${sent[0].run_id}/results`);
    const [a, b] = sent;

    // Forged, unknown and strangers change nothing.
    await report(a, [{ node_id: a.nodes[0].id, status: 'succeeded' }], 'forged-token').expect(401);
    await report(a, [{ node_id: a.nodes[0].id, status: 'succeeded' }], b.callback_token).expect(
      401,
    );
    await service.http
      .post('/driver-runs/00000000-0000-4000-8000-000000000000/results')
      .set('authorization', `Bearer ${a.callback_token}`)
      .send({ results: [{ node_id: 1, status: 'succeeded' }] })
      .expect(404);
    const stranger = await report(a, [{ node_id: b.nodes[0].id, status: 'succeeded' }]).expect(422);
    expect(JSON.stringify(stranger.body)).toContain('results[0].node_id');
    await report(a, [{ node_id: a.nodes[0].id, status: 'done' }]).expect(422);
    expect(Object.values(await states(deployment.id)).every((s) => s === 'PROVISIONING')).toBe(
      true,
    );

    // Partial, then a duplicate (the first result wins), then the rest.
    expect(
      (await report(a, [{ node_id: a.nodes[0].id, status: 'succeeded' }]).expect(202)).body,
    ).toEqual({ accepted: 1, ignored: 0 });
    expect(
      (
        await report(a, [
          { node_id: a.nodes[0].id, status: 'failed', message: 'late word' },
        ]).expect(202)
      ).body,
    ).toEqual({ accepted: 0, ignored: 1 });
    expect(
      (
        await report(a, [
          { node_id: a.nodes[1].id, status: 'failed', message: 'boom: no route' },
        ]).expect(202)
      ).body,
    ).toEqual({ accepted: 1, ignored: 0 });
    await report(
      b,
      b.nodes.map((n) => ({ node_id: n.id, status: 'succeeded' })),
    ).expect(202);

    // Three provisioned nodes go on to configure runs: one from each provision run.
    const configure = await pollUntil(
      () => runs('/run').filter((r) => r.phase === 'configure'),
      'two configure runs',
      {
        until: (r) => r.length >= 2,
      },
    );
    expect(configure.flatMap((r) => r.nodes.map((n) => n.node_id)).sort()).toEqual(
      [a.nodes[0], ...b.nodes].map((n) => n.node_id).sort(),
    );
    for (const run of configure) {
      await report(
        run,
        run.nodes.map((n) => ({ node_id: n.id, status: 'succeeded' })),
      ).expect(202);
    }
    const failedNode = a.nodes[1].node_id;
    await pollUntil(
      async () =>
        (await states(deployment.id))[failedNode] === 'FAILED' && (await states(deployment.id)),
      'every node ended',
      {
        until: (s) =>
          s !== false && Object.values(s).every((x) => x === 'RUNNING' || x === 'FAILED'),
      },
    );
    expect(await states(deployment.id)).toEqual(
      Object.fromEntries(
        [...a.nodes, ...b.nodes].map((n) => [
          n.node_id,
          n.node_id === failedNode ? 'FAILED' : 'RUNNING',
        ]),
      ),
    );
    const { rows } = await db.query(
      `SELECT node_identifier, reason FROM events WHERE deployment_id = $1 AND type = 'STATE_CHANGE' AND to_state = 'FAILED'`,
      [deployment.id],
    );
    expect(rows).toEqual([{ node_identifier: failedNode, reason: 'boom: no route' }]);
    const page = (await service.http.get(`/deployments/${deployment.id}/driver-runs`).expect(200))
      .body;
    expect(page.items.map((r: { status: string }) => r.status).sort()).toEqual([
      'partial',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    const deploymentView = (await service.http.get(`/deployments/${deployment.id}`).expect(200))
      .body;
    expect(deploymentView.finished_at).not.toBeNull();
  });

  it('takes only an http-secret credential, and keeps it in use', async () => {
    const ssh = (
      await service.http
        .post('/credentials')
        .send({ name: `${NAME}-ssh-${Date.now()}`, kind: 'ssh', username: 'u', password: 'pw' })
        .expect(201)
    ).body.id;
    const refused = await service.http
      .post('/deployments')
      .send({
        name: NAME,
        target_node_count: 1,
        provisioning: { driver: 'http', url: `${endpoint.url}/run`, credential: ssh },
      })
      .expect(422);
    expect(refused.body.detail).toMatch(/provisioning.credential: credential \d+ is of kind ssh/);
    await service.http.delete(`/credentials/${ssh}`).expect(204);
    const inUse = await service.http.delete(`/credentials/${signing}`).expect(409);
    expect(inUse.body.detail).toMatch(/in use/);
  });

  it('fails a run on a 4xx answer and retries a 503', async () => {
    endpoint.plan('/reject', [400]);
    endpoint.plan('/flaky', [503]);
    const rejected = await createDeployment(service, {
      name: NAME,
      target_node_count: 1,
      provisioning: { driver: 'http', url: `${endpoint.url}/reject`, credential: signing },
    });
    await createDeployment(service, {
      name: NAME,
      target_node_count: 1,
      provisioning: { driver: 'http', url: `${endpoint.url}/flaky`, credential: signing },
    });
    await pollUntil(
      async () => (await states(rejected.id))['node-001'] === 'FAILED',
      'the rejected node FAILED',
    );
    const { rows } = await db.query(
      `SELECT reason FROM events WHERE deployment_id = $1 AND type = 'STATE_CHANGE' AND to_state = 'FAILED'`,
      [rejected.id],
    );
    expect(rows).toEqual([{ reason: 'HTTP 400: not now' }]);
    const [run] = await pollUntil(() => runs('/flaky'), 'the retried send', {
      until: (r) => r.length >= 2,
    });
    await report(run, [{ node_id: run.nodes[0].id, status: 'succeeded' }]).expect(401); // the first send's token was replaced
    const second = runs('/flaky')[1];
    await report(second, [{ node_id: second.nodes[0].id, status: 'succeeded' }]).expect(202);
    const record = (await service.http.get(`/driver-runs/${second.run_id}`).expect(200)).body;
    expect(record).toMatchObject({ attempts: 2, status: 'succeeded', succeeded: 1 });
  });

  it('times a silent run out and ignores a result after the deadline', async () => {
    const deployment = await createDeployment(service, {
      name: NAME,
      target_node_count: 1,
      provisioning: {
        driver: 'http',
        url: `${endpoint.url}/silent`,
        credential: signing,
        timeout_seconds: 10,
      },
    });
    const [run] = await pollUntil(() => runs('/silent'), 'the send', {
      until: (r) => r.length >= 1,
    });
    await pollUntil(
      async () => (await states(deployment.id))['node-001'] === 'FAILED',
      'the node timed out',
    );
    const record = (await service.http.get(`/driver-runs/${run.run_id}`).expect(200)).body;
    expect(record).toMatchObject({ status: 'timed_out', failed: 1 });
    expect(
      (await report(run, [{ node_id: run.nodes[0].id, status: 'succeeded' }]).expect(202)).body,
    ).toEqual({ accepted: 0, ignored: 1 });
    const { rows } = await db.query(
      `SELECT reason FROM events WHERE deployment_id = $1 AND type = 'STATE_CHANGE' AND to_state = 'FAILED'`,
      [deployment.id],
    );
    expect(rows).toEqual([{ reason: 'timed out' }]);
  });

  it('keeps secrets and callback tokens out of responses, job payloads and logs', async () => {
    const { rows } = await db.query(`SELECT deployment_id FROM deployment_provisioning LIMIT 1`);
    const events = (
      await service.http.get(`/events?deployment_id=${rows[0].deployment_id}`).expect(200)
    ).text;
    expect(events).not.toContain(SECRET);
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const keys = await redis.keys(`${process.env.QUEUE_PREFIX}:drivers:*`);
      const payloads: string[] = [];
      for (const key of keys) {
        if ((await redis.type(key)) === 'hash')
          payloads.push(String(await redis.hget(key, 'data')));
      }
      expect(payloads.length).toBeGreaterThan(0);
      for (const data of payloads) {
        expect(data).not.toContain(SECRET);
        for (const token of tokens) expect(data).not.toContain(token);
      }
    } finally {
      redis.disconnect();
    }
    const logs = service.logs();
    expect(logs).not.toContain(SECRET);
    for (const token of tokens) expect(logs).not.toContain(token);
  });
});
