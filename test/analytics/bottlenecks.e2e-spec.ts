import { bottleneckReference } from '../support/bottleneck-reference';
import { createDeployment, createFabric, listNodes, NodeRow } from '../support/deployments';
import { expectError } from '../support/errors';
import { PushedSample, pushSamples } from '../support/samples';
import { Service, startService } from '../support/service';

let api: Service;

beforeAll(async () => {
  api = await startService({ APP_ROLE: 'api' });
});

afterAll(async () => {
  await api?.stop();
});

async function fabric(slow: (index: number) => boolean) {
  const { deployment: d, nodes } = await createFabric(api, { target_node_count: 20 });
  const now = Date.now();
  const samples: PushedSample[] = [];
  nodes.forEach((node: NodeRow, i: number) => {
    for (let k = 0; k < 6; k++) {
      const jitter = ((i * 7 + k * 3) % 5) / 10;
      samples.push({
        node_id: node.id,
        timestamp: new Date(now - (k + 1) * 20_000).toISOString(),
        latency_ms: slow(i) ? 70 + jitter : 10 + jitter,
        throughput_gbps: slow(i) ? 3 + jitter : 9.5 - jitter,
        error_rate: slow(i) ? 2 + jitter : 0.1,
      });
    }
  });
  await pushSamples(api, d.id, samples);
  return { d, nodes, samples };
}

describe('GET /deployments/{id}/bottlenecks', () => {
  it('finds the two slow nodes of twenty, worst first, with the seed algorithm exactly', async () => {
    const { d, nodes, samples } = await fabric((i) => i === 7 || i === 15);
    const res = await api.http.get(`/deployments/${d.id}/bottlenecks`).expect(200);
    expect(res.body).toMatchObject({
      deployment_id: d.id,
      detected_at: expect.any(String),
      total_bottlenecks: 2,
      analysis_window_minutes: 10,
    });
    // The seed's algorithm: z-scores against every sample of the window.
    const expected = bottleneckReference(samples, { method: 'zscore', threshold: 2 }).flagged;
    expect(res.body.bottlenecks.map((b: { node_id: number }) => b.node_id)).toEqual(
      expected.map((e) => e.id),
    );
    expect(new Set(expected.map((e) => e.id))).toEqual(new Set([nodes[7].id, nodes[15].id]));
    res.body.bottlenecks.forEach((b: { deviation_score: number }, i: number) => {
      expect(Math.abs(b.deviation_score - expected[i].score)).toBeLessThan(1e-9);
    });
    expect(res.body.bottlenecks[0]).toMatchObject({
      node_id: expect.any(Number),
      node_identifier: expect.stringMatching(/^node-0(08|16)$/),
      deployment_id: d.id,
      latency_ms: expect.any(Number),
      throughput_gbps: expect.any(Number),
      error_rate: expect.any(Number),
      deviation_score: expect.any(Number),
      timestamp: expect.any(String),
    });
  });

  it('finds none in a uniform fabric and none without samples', async () => {
    const { d } = await fabric(() => false);
    const res = await api.http.get(`/deployments/${d.id}/bottlenecks`).expect(200);
    expect(res.body.total_bottlenecks).toBe(0);
    expect(res.body.bottlenecks).toEqual([]);
    const empty = await createDeployment(api);
    const none = await api.http.get(`/deployments/${empty.id}/bottlenecks`).expect(200);
    expect(none.body).toMatchObject({ bottlenecks: [], total_bottlenecks: 0 });
  });

  it('looks only at the window', async () => {
    const d = await createDeployment(api, { target_node_count: 20 });
    const nodes = await listNodes(api, d.id);
    const old = new Date(Date.now() - 5 * 60_000).toISOString();
    const recent = new Date(Date.now() - 30_000).toISOString();
    const samples = nodes.flatMap((n: NodeRow, i: number) => [
      {
        node_id: n.id,
        timestamp: old,
        latency_ms: i === 3 ? 500 : 10,
        throughput_gbps: 9,
        error_rate: 0.1,
      },
      {
        node_id: n.id,
        timestamp: recent,
        latency_ms: 10 + (i % 3) / 10,
        throughput_gbps: 9,
        error_rate: 0.1,
      },
    ]);
    await pushSamples(api, d.id, samples);
    const wide = await api.http
      .get(`/deployments/${d.id}/bottlenecks?analysis_window_minutes=10`)
      .expect(200);
    expect(wide.body.bottlenecks.map((b: { node_id: number }) => b.node_id)).toEqual([nodes[3].id]);
    const narrow = await api.http
      .get(`/deployments/${d.id}/bottlenecks?analysis_window_minutes=2`)
      .expect(200);
    expect(narrow.body.total_bottlenecks).toBe(0);
  });

  it('is 404 for an unknown deployment and 422 for bad parameters', async () => {
    expectError(
      (await api.http.get('/deployments/999999/bottlenecks')).body,
      404,
      /Deployment not found/,
    );
    const d = await createDeployment(api);
    for (const q of [
      'analysis_window_minutes=0',
      'analysis_window_minutes=61',
      'analysis_window_minutes=x',
      'threshold=0',
      'method=magic',
    ]) {
      const res = await api.http.get(`/deployments/${d.id}/bottlenecks?${q}`);
      expect(res.status).toBe(422);
      expectError(res.body, 422);
    }
  });
});
