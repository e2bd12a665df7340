import { Pool } from 'pg';
import { createDeployment, listNodes } from '../support/deployments';
import { expectError } from '../support/errors';
import { waitAllTerminal } from '../support/node-states';
import { pollUntil } from '../support/poll';
import { Service, startService } from '../support/service';
import { cleanUp } from '../support/suite';
import { testPool } from '../support/database';
import { KernelLoopbackCounter, startLoopbackTraffic } from './loopback-traffic';
import { Program, startNodeExporter, startPrometheus } from './prometheus-process';

const NAME = 'prometheus-source';
const WINDOW_S = 10;
const THROUGHPUT = `8 * rate(node_network_receive_bytes_total{device="lo"}[${WINDOW_S}s]) / 1e9`;
const LATENCY = '1000 * scrape_duration_seconds{job="node"}';

let service: Service;
let db: Pool;
let exporter: Program;
let prometheus: (Program & { dir: string }) | undefined;
let traffic: { stop: () => void };
let kernel: KernelLoopbackCounter;

beforeAll(async () => {
  db = testPool();
  // API and workers in one process, collecting every second; nodes come up at once.
  service = await startService({
    APP_ROLE: 'all',
    TELEMETRY_INTERVAL_MS: '1000',
    SIM_TIME_SCALE: '0.01',
    SIM_FAILURE_RATE: '0',
  });
  exporter = await startNodeExporter();
  traffic = startLoopbackTraffic(40e6);
  kernel = new KernelLoopbackCounter();
});

afterAll(async () => {
  kernel?.stop();
  traffic?.stop();
  await prometheus?.stop();
  await exporter?.stop();
  await cleanUp({ service, db, name: NAME });
});

interface Health {
  telemetry: {
    failed_source_ticks: number;
    unmatched_series: number;
    last_source_failure: { source: string; deployment_id: number; error: string } | null;
  };
}

const health = async () => (await service.http.get('/health')).body as Health;

describe('a Prometheus source', () => {
  let id: number;
  let hostnames: string[];

  beforeAll(async () => {
    ({ id } = await createDeployment(service, {
      name: NAME,
      target_node_count: 3,
      telemetry: { source: 'push' },
    }));
    await waitAllTerminal(db, id, 3);
    hostnames = (await listNodes(service, id)).map((n) => n.hostname);
    // Each node is a target of its own, named as Prometheus names targets (host:port); one
    // more target names no node of the deployment.
    const targets = [...hostnames, 'stranger']
      .map(
        (h) =>
          `      - targets: ['127.0.0.1:${exporter.port}']\n        labels: {instance: '${h}:9100'}`,
      )
      .join('\n');
    prometheus = await startPrometheus(
      () => `
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: node
    static_configs:
${targets}
`,
    );
  });

  const settings = (queries: Record<string, string>) => ({
    telemetry: {
      source: 'prometheus',
      interval_seconds: 5,
      prometheus: { url: prometheus!.url, queries, node_label: 'instance', node_match: 'hostname' },
    },
  });

  it('refuses a query Prometheus rejects with 422 and its error, and keeps the block', async () => {
    const res = await service.http
      .patch(`/deployments/${id}`)
      .send(settings({ throughput_gbps: 'rate(node_network_receive_bytes_total[' }))
      .expect(422);
    expectError(res.body, 422, /queries\.throughput_gbps: Prometheus rejected the query.*bad_data/);
    const got = await service.http.get(`/deployments/${id}`).expect(200);
    expect(got.body.telemetry.source).toBe('push');
  });

  it('stores what the queries give, matched by instance without its port, as the kernel counts it', async () => {
    const before = await health();
    const res = await service.http
      .patch(`/deployments/${id}`)
      .send({
        telemetry: {
          ...settings({ throughput_gbps: THROUGHPUT, latency_ms: LATENCY }).telemetry,
          interval_seconds: 5,
        },
      })
      .expect(200);
    expect(res.body.telemetry.prometheus.queries).toEqual({
      throughput_gbps: THROUGHPUT,
      latency_ms: LATENCY,
    });
    // Only ticks whose rate window lies wholly after Prometheus's first scrapes are compared.
    const first = await pollUntil(
      async () =>
        (
          await db.query(
            `SELECT min("timestamp") AS at FROM telemetry_samples
             WHERE deployment_id = $1 AND throughput_gbps IS NOT NULL`,
            [id],
          )
        ).rows[0].at as Date | null,
      'a first sample from Prometheus',
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const from = new Date(first.getTime() + (WINDOW_S + 2) * 1000);
    const rows = await pollUntil(
      async () => {
        const { rows } = await db.query(
          `SELECT n.hostname, s."timestamp", s.latency_ms, s.throughput_gbps, s.error_rate
           FROM telemetry_samples s JOIN nodes n ON n.id = s.node_id
           WHERE s.deployment_id = $1 AND s."timestamp" >= $2 ORDER BY s."timestamp"`,
          [id, from],
        );
        return rows.length >= 3 * 3 ? rows : undefined;
      },
      'samples from Prometheus for every node',
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(new Set(rows.map((r) => r.hostname))).toEqual(new Set(hostnames));
    const compared = rows.map((r) => {
      const at = new Date(r.timestamp).getTime();
      expect(r.error_rate).toBeNull(); // no query for it: no value, never a zero
      expect(r.latency_ms).toBeGreaterThan(0);
      return {
        stored: r.throughput_gbps as number,
        kernel: kernel.gbpsOver(at - WINDOW_S * 1000, at)!,
      };
    });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const stored = mean(compared.map((c) => c.stored));
    const fromKernel = mean(compared.map((c) => c.kernel));
    expect(fromKernel).toBeGreaterThan(0.25);
    expect(Math.abs(stored - fromKernel) / fromKernel).toBeLessThan(0.1);
    // The stranger's series (one per query per tick) are counted, not stored.
    const after = await pollUntil(health, 'unmatched series counted', {
      until: (h) => h.telemetry.unmatched_series >= before.telemetry.unmatched_series + 2,
    });
    expect(after.telemetry.unmatched_series).toBeGreaterThan(before.telemetry.unmatched_series);
  });

  it('counts a tick as failed when Prometheus is gone, without calling the nodes unreachable', async () => {
    const before = await health();
    await prometheus!.stop();
    prometheus = undefined;
    const after = await pollUntil(health, 'a failed Prometheus tick in /health', {
      until: (h) =>
        h.telemetry.failed_source_ticks > before.telemetry.failed_source_ticks &&
        h.telemetry.last_source_failure?.deployment_id === id,
    });
    expect(after.telemetry.last_source_failure).toMatchObject({
      source: 'prometheus',
      error: expect.stringMatching(/unreachable/),
    });
    const metrics = await service.http.get('/metrics').expect(200);
    expect(metrics.text).toMatch(/netorch_prometheus_source_failed_ticks_total [1-9]/);
    expect(metrics.text).toMatch(
      /netorch_prometheus_source_queries_total\{outcome="failed"\} [1-9]/,
    );
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM events WHERE deployment_id = $1 AND type = 'NODE_UNREACHABLE'`,
      [id],
    );
    expect(rows[0].n).toBe(0);
  });
});
