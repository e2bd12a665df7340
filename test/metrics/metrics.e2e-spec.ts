import { Pool } from 'pg';
import { testPool } from '../support/database';
import { pollUntil } from '../support/poll';
import { parseExposition, Sample, scrape as scrapeMetrics, value } from '../support/prometheus';
import { createDeployment } from '../support/deployments';
import { Service, startService } from '../support/service';

const KEY = 'metrics-test-key';
const NODE_STATES = ['PENDING', 'PROVISIONING', 'CONFIGURING', 'RUNNING', 'FAILED'];

let api: Service;
let worker: Service | undefined;
let pool: Pool;

/** What the stores hold now; other suites of the run share the database, so never assume 0. */
async function truth() {
  const states = await pool.query<{ state: string; n: number }>(
    `SELECT state, count(*)::int AS n FROM nodes GROUP BY state`,
  );
  const nodes = Object.fromEntries(NODE_STATES.map((state) => [state, 0]));
  for (const row of states.rows) nodes[row.state] = row.n;
  const [{ deployments, written }] = (
    await pool.query<{ deployments: number; written: string }>(
      `SELECT (SELECT count(*)::int FROM deployments) AS deployments,
              (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM telemetry_samples_id_seq) AS written`,
    )
  ).rows;
  return { nodes, deployments, written: Number(written) };
}

async function scrape(): Promise<Sample[]> {
  // No key: Prometheus scrapers carry none, so /metrics is public like the health probes.
  return (await scrapeMetrics(api)).samples;
}

beforeAll(async () => {
  pool = testPool();
  // The API alone first: no worker moves a node or collects telemetry, so every figure is exact.
  api = await startService({ APP_ROLE: 'api', API_KEYS: `${KEY}:rw` });
});

afterAll(async () => {
  await worker?.stop();
  await api?.stop();
  await pool?.end();
});

describe('GET /metrics', () => {
  let deploymentId: number;
  let secondId: number;

  it('is public Prometheus text with process metrics and typed netorch metrics', async () => {
    await api.http.get('/deployments').expect(401);
    const res = await api.http.get('/metrics').expect(200);
    const { samples, types } = parseExposition(res.text);
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(samples.some((s) => s.name === name)).toBe(true);
    }
    expect(types.get('netorch_http_request_duration_seconds')).toBe('histogram');
    expect(types.get('netorch_nodes')).toBe('gauge');
    expect(types.get('netorch_deployments')).toBe('gauge');
    expect(types.get('netorch_telemetry_samples_written_total')).toBe('counter');
    expect(types.get('netorch_queue_jobs')).toBe('gauge');
    expect(value(samples, 'netorch_backend_up', { backend: 'postgresql' })).toBe(1);
    expect(value(samples, 'netorch_backend_up', { backend: 'redis' })).toBe(1);
    // Only this API runs now, so nothing moves between the scrape and the look behind it.
    const stores = await truth();
    expect(value(samples, 'netorch_deployments')).toBe(stores.deployments);
    for (const state of NODE_STATES) {
      expect(value(samples, 'netorch_nodes', { state })).toBe(stores.nodes[state]);
    }
    expect(value(samples, 'netorch_telemetry_samples_written_total')).toBe(stores.written);
    // Flagged nodes: one series per deployment status, the firing alerts' distinct nodes of
    // deployments that exist, summed.
    expect(types.get('netorch_alert_flagged_nodes')).toBe('gauge');
    const statuses = [
      'empty',
      'pending',
      'in_progress',
      'paused',
      'halted',
      'aborted',
      'running',
      'degraded',
      'failed',
    ];
    expect(
      samples
        .filter((x) => x.name === 'netorch_alert_flagged_nodes')
        .map((x) => x.labels.deployment_status)
        .sort(),
    ).toEqual([...statuses].sort());
    const { rows: flagged } = await pool.query<{ n: number }>(
      `SELECT count(DISTINCT (a.deployment_id, a.node_id))::int AS n FROM alerts a
       WHERE a.state = 'firing' AND EXISTS (SELECT 1 FROM deployments d WHERE d.id = a.deployment_id)`,
    );
    expect(
      statuses.reduce(
        (sum, s) => sum + value(samples, 'netorch_alert_flagged_nodes', { deployment_status: s }),
        0,
      ),
    ).toBe(flagged[0].n);
    // Not in the exposition: Swagger documents the product API only.
    const doc = (await api.http.get('/docs-json').expect(200)).body;
    expect(doc.paths['/metrics']).toBeUndefined();
    expect(doc.paths['/']).toBeUndefined();
  });

  it('reports nodes, deployments, samples and queues read from the stores', async () => {
    const before = await scrape();
    deploymentId = (
      await createDeployment(api, { name: 'metrics-fabric', target_node_count: 7 }, KEY)
    ).id;
    secondId = (
      await createDeployment(api, { name: 'metrics-fabric-2', target_node_count: 3 }, KEY)
    ).id;
    const nodes = (
      await api.http.get(`/deployments/${deploymentId}/nodes`).set('X-API-Key', KEY).expect(200)
    ).body.nodes as { id: number }[];
    const now = Date.now();
    const pushed = nodes.map((n, i) => ({
      node_id: n.id,
      timestamp: new Date(now - i * 1000).toISOString(),
      latency_ms: 5 + i,
      throughput_gbps: 9.5,
      error_rate: 0.1,
    }));
    await api.http
      .post(`/deployments/${deploymentId}/telemetry`)
      .set('X-API-Key', KEY)
      .send({ samples: pushed })
      .expect(202);

    // Store figures come from a snapshot at most 2 s old: wait for one read after the writes.
    const samples = await pollUntil(scrape, 'a scrape read after the writes', {
      timeoutMs: 30_000,
      intervalMs: 250,
      until: (now) =>
        value(now, 'netorch_telemetry_samples_written_total') -
          value(before, 'netorch_telemetry_samples_written_total') >=
          7 && value(now, 'netorch_deployments') - value(before, 'netorch_deployments') >= 2,
    });
    const delta = (name: string, labels: Record<string, string> = {}) =>
      value(samples, name, labels) - value(before, name, labels);
    expect(delta('netorch_deployments')).toBe(2);
    expect(delta('netorch_deployments_by_status', { status: 'pending' })).toBe(2);
    expect(delta('netorch_nodes', { state: 'PENDING' })).toBe(10);
    for (const state of NODE_STATES.slice(1)) {
      expect(delta('netorch_nodes', { state })).toBe(0);
    }
    const [{ n: stored }] = (
      await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM telemetry_samples WHERE deployment_id = $1`,
        [deploymentId],
      )
    ).rows;
    expect(stored).toBe(7);
    expect(delta('netorch_telemetry_samples_written_total')).toBe(7);
    const stores = await truth();
    expect(value(samples, 'netorch_telemetry_samples_written_total')).toBe(stores.written);
    expect(value(samples, 'netorch_deployments')).toBe(stores.deployments);
    // The API enqueued wake-ups but no worker is attached to take them.
    for (const queue of ['lifecycle', 'telemetry', 'maintenance']) {
      expect(value(samples, 'netorch_queue_workers', { queue })).toBe(0);
      for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed']) {
        const jobs = value(samples, 'netorch_queue_jobs', { queue, state });
        expect(Number.isInteger(jobs) && jobs >= 0).toBe(true);
      }
    }
    const lifecycleBacklog =
      value(samples, 'netorch_queue_jobs', { queue: 'lifecycle', state: 'waiting' }) +
      value(samples, 'netorch_queue_jobs', { queue: 'lifecycle', state: 'delayed' }) +
      value(samples, 'netorch_queue_jobs', { queue: 'lifecycle', state: 'prioritized' });
    expect(lifecycleBacklog).toBeGreaterThanOrEqual(1);
  });

  it('times requests by method, route pattern and status, never by raw URL', async () => {
    await api.http
      .post('/deployments')
      .set('X-API-Key', KEY)
      .send({ name: '', target_node_count: 0 })
      .expect(422);
    await api.http.get(`/deployments/${deploymentId}`).set('X-API-Key', KEY).expect(200);
    await api.http.get('/deployments/999999').set('X-API-Key', KEY).expect(404);
    await api.http.get('/no/such/route/12345').expect(404);
    const samples = await scrape();
    const count = (method: string, route: string, status: string) =>
      value(samples, 'netorch_http_request_duration_seconds_count', {
        method,
        route,
        status_code: status,
      });
    expect(count('POST', '/deployments', '201')).toBe(2);
    expect(count('POST', '/deployments', '422')).toBe(1);
    expect(count('GET', '/deployments/:id', '200')).toBe(1);
    expect(count('GET', '/deployments/:id', '404')).toBe(1);
    expect(count('GET', '/deployments', '401')).toBe(1);
    expect(count('GET', 'unmatched', '404')).toBe(1);
    expect(
      samples.some((s) => s.labels.route?.includes('999999') || s.labels.route?.includes('12345')),
    ).toBe(false);
    const sum = value(samples, 'netorch_http_request_duration_seconds_sum', {
      method: 'POST',
      route: '/deployments',
      status_code: '201',
    });
    expect(sum).toBeGreaterThan(0);
    const inf = value(samples, 'netorch_http_request_duration_seconds_bucket', {
      method: 'POST',
      route: '/deployments',
      status_code: '201',
      le: '+Inf',
    });
    expect(inf).toBe(2);
  });

  it("shows a separate worker process's progress, since figures come from the stores", async () => {
    worker = await startService({ APP_ROLE: 'worker', SIM_TIME_SCALE: '0' });
    // Both of this test's deployments finish; the gauges then agree with the rows.
    const ours = async () =>
      (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM nodes
           WHERE deployment_id = ANY($1) AND state IN ('RUNNING', 'FAILED')`,
          [[deploymentId, secondId]],
        )
      ).rows[0].n;
    expect(await pollUntil(ours, 'both deployments to finish', { until: (n) => n === 10 })).toBe(
      10,
    );
    // Leftovers of other suites may still be moving: wait for a scrape and the rows to agree.
    const { samples, stores } = await pollUntil(
      async () => ({ samples: await scrape(), stores: await truth() }),
      'the node gauges to agree with the rows',
      {
        intervalMs: 250,
        until: (seen) =>
          NODE_STATES.every(
            (state) => value(seen.samples, 'netorch_nodes', { state }) === seen.stores.nodes[state],
          ),
      },
    );
    for (const state of NODE_STATES) {
      expect(value(samples, 'netorch_nodes', { state })).toBe(stores.nodes[state]);
    }
    expect(
      value(samples, 'netorch_nodes', { state: 'RUNNING' }) +
        value(samples, 'netorch_nodes', { state: 'FAILED' }),
    ).toBeGreaterThanOrEqual(10);
    expect(value(samples, 'netorch_queue_workers', { queue: 'lifecycle' })).toBeGreaterThanOrEqual(
      1,
    );
  });
});
