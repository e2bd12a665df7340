import { Pool } from 'pg';
import { cleanUp, startWithPool } from '../support/suite';
import { createDeployment, listNodes, NodeRow } from '../support/deployments';
import { expectError } from '../support/errors';
import { Service } from '../support/service';

let api: Service;
let db: Pool;

beforeAll(async () => {
  ({ api, db } = await startWithPool());
});

afterAll(() => cleanUp({ service: api, db }));

const sample = (node: NodeRow, at: Date, latency = 5, throughput = 9.5, errorRate = 0.1) => ({
  node_id: node.id,
  timestamp: at.toISOString(),
  latency_ms: latency,
  throughput_gbps: throughput,
  error_rate: errorRate,
});

async function sampleCount(deploymentId: number): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM telemetry_samples WHERE deployment_id = $1`,
    [deploymentId],
  );
  return rows[0].n;
}

describe('telemetry', () => {
  it('is empty for a new deployment', async () => {
    const d = await createDeployment(api);
    const res = await api.http.get(`/deployments/${d.id}/telemetry`).expect(200);
    expect(res.body).toEqual({ samples: [], total: 0 });
  });

  it('stores pushed samples and returns them newest first, exactly', async () => {
    const d = await createDeployment(api, { target_node_count: 3 });
    const nodes = await listNodes(api, d.id);
    const now = Date.now();
    const samples = [];
    for (let i = 0; i < 30; i++) {
      samples.push(
        sample(nodes[i % 3], new Date(now - (30 - i) * 1000), 0.1 + i / 3, 0.1 + 0.2, 0.1),
      );
    }
    const push = await api.http
      .post(`/deployments/${d.id}/telemetry`)
      .send({ samples })
      .expect(202);
    expect(push.body).toEqual({ accepted: 30 });

    const all = await api.http.get(`/deployments/${d.id}/telemetry`).expect(200);
    expect(all.body.total).toBe(30);
    expect(all.body.samples[0]).toEqual({
      id: expect.any(Number),
      node_id: nodes[29 % 3].id,
      deployment_id: d.id,
      timestamp: samples[29].timestamp,
      latency_ms: samples[29].latency_ms,
      throughput_gbps: 0.1 + 0.2,
      error_rate: 0.1,
    });
    const times = all.body.samples.map((s: { timestamp: string }) => s.timestamp);
    expect([...times].sort().reverse()).toEqual(times);

    const limited = await api.http.get(`/deployments/${d.id}/telemetry?limit=5`).expect(200);
    expect(limited.body.samples).toHaveLength(5);

    const byNode = await api.http
      .get(`/deployments/${d.id}/telemetry?node_id=${nodes[1].id}`)
      .expect(200);
    expect(byNode.body.total).toBe(10);
    expect(byNode.body.samples.every((s: { node_id: number }) => s.node_id === nodes[1].id)).toBe(
      true,
    );

    // A window given with a +02:00 offset is honoured: samples 10..19 inclusive.
    const offset = (ms: number) => {
      const t = new Date(ms + 2 * 3600_000).toISOString().replace('Z', '+02:00');
      return encodeURIComponent(t);
    };
    const start = Date.parse(samples[10].timestamp);
    const end = Date.parse(samples[19].timestamp);
    const ranged = await api.http
      .get(
        `/deployments/${d.id}/telemetry?start_time=${offset(start)}&end_time=${offset(end)}&limit=1000`,
      )
      .expect(200);
    expect(ranged.body.total).toBe(10);
  });

  it.each([
    ['limit=0', /limit/],
    ['limit=1001', /limit/],
    ['node_id=abc', /node_id/],
    ['start_time=yesterday', /start_time must be an ISO 8601/],
    ['end_time=2026-02-30T00:00:00Z', /end_time/],
    [
      'start_time=2026-01-02T00:00:00Z&end_time=2026-01-01T00:00:00Z',
      /start_time must not be after end_time/,
    ],
  ])('rejects ?%s with 422', async (query, detail) => {
    const d = await createDeployment(api);
    const res = await api.http.get(`/deployments/${d.id}/telemetry?${query}`);
    expect(res.status).toBe(422);
    expectError(res.body, 422, detail);
  });

  it('is 404 for an unknown deployment', async () => {
    expect((await api.http.get('/deployments/999999/telemetry')).status).toBe(404);
    const push = await api.http.post('/deployments/999999/telemetry').send({ samples: [] });
    expect(push.status).toBe(404);
  });

  describe('push validation: one bad sample rejects the batch, naming its index', () => {
    let deploymentId: number;
    let nodes: NodeRow[];
    let other: NodeRow;

    beforeAll(async () => {
      deploymentId = (await createDeployment(api, { target_node_count: 2 })).id;
      nodes = await listNodes(api, deploymentId);
      other = (await listNodes(api, (await createDeployment(api, { target_node_count: 1 })).id))[0];
    });

    const good = () => sample(nodes[0], new Date());
    it.each([
      [
        'a negative latency',
        { latency_ms: -1 },
        /samples\[2\]\.latency_ms must not be less than 0/,
      ],
      ['a negative throughput', { throughput_gbps: -0.5 }, /samples\[2\]\.throughput_gbps/],
      [
        'an error rate over 100',
        { error_rate: 100.5 },
        /samples\[2\]\.error_rate must be between 0 and 100/,
      ],
      ['a string metric', { latency_ms: '5' }, /samples\[2\]\.latency_ms must be a finite number/],
      [
        'NaN as a string',
        { latency_ms: 'NaN' },
        /samples\[2\]\.latency_ms must be a finite number/,
      ],
      [
        'a missing metric',
        { error_rate: undefined },
        /samples\[2\]\.error_rate must be a finite number/,
      ],
      ['a bad timestamp', { timestamp: 'noon' }, /samples\[2\]\.timestamp must be an ISO 8601/],
      [
        'a timestamp far in the future',
        { timestamp: '2999-01-01T00:00:00Z' },
        /samples\[2\]\.timestamp must be between/,
      ],
      [
        'a timestamp beyond retention',
        { timestamp: '2001-01-01T00:00:00Z' },
        /samples\[2\]\.timestamp must be between/,
      ],
      ['an unknown field', { colour: 'red' }, /samples\[2\]\.colour is not a known field/],
      [
        'a fractional node id',
        { node_id: 1.5 },
        /samples\[2\]\.node_id must be a positive integer/,
      ],
      [
        'an unknown node',
        { node_id: 2_000_000_000 },
        /samples\[2\]\.node_id 2000000000 is not a node of deployment/,
      ],
    ])('rejects %s', async (_, change, detail) => {
      const bad = { ...good(), ...change };
      const before = await sampleCount(deploymentId);
      const res = await api.http
        .post(`/deployments/${deploymentId}/telemetry`)
        .send({ samples: [good(), good(), bad] });
      expect(res.status).toBe(422);
      expectError(res.body, 422, detail);
      expect(await sampleCount(deploymentId)).toBe(before);
    });

    it('rejects a node of another deployment', async () => {
      const res = await api.http
        .post(`/deployments/${deploymentId}/telemetry`)
        .send({ samples: [good(), sample(other, new Date())] });
      expect(res.status).toBe(422);
      expectError(res.body, 422, /samples\[1\]\.node_id \d+ is not a node of deployment/);
    });

    it('rejects an empty batch, a batch over 10,000, a non-array and extra fields', async () => {
      const url = `/deployments/${deploymentId}/telemetry`;
      expectError((await api.http.post(url).send({ samples: [] })).body, 422, /at least 1/);
      const big = Array.from({ length: 10001 }, () => good());
      expectError((await api.http.post(url).send({ samples: big })).body, 422, /at most 10000/);
      expectError(
        (await api.http.post(url).send({ samples: 'all' })).body,
        422,
        /samples must be an array/,
      );
      expectError(
        (await api.http.post(url).send({ samples: [good()], extra: 1 })).body,
        422,
        /extra/,
      );
      expectError((await api.http.post(url).send({})).body, 422, /samples/);
    });

    it('accepts 10,000 samples in one request and defaults the timestamp to now', async () => {
      const before = await sampleCount(deploymentId);
      const at = Date.now();
      const batch = Array.from({ length: 10000 }, (_, i) => {
        const s: Record<string, unknown> = sample(nodes[i % 2], new Date(at - i));
        if (i === 0) delete s.timestamp;
        return s;
      });
      const res = await api.http
        .post(`/deployments/${deploymentId}/telemetry`)
        .send({ samples: batch })
        .expect(202);
      expect(res.body).toEqual({ accepted: 10000 });
      expect(await sampleCount(deploymentId)).toBe(before + 10000);
      const newest = await api.http
        .get(`/deployments/${deploymentId}/telemetry?limit=1`)
        .expect(200);
      expect(Math.abs(Date.parse(newest.body.samples[0].timestamp) - Date.now())).toBeLessThan(
        60_000,
      );
    });
  });
});
