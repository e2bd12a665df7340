import { request as httpRequest } from 'node:http';
import { Pool } from 'pg';
import { compress } from 'snappyjs';
import { encodeRemoteWrite } from '../../src/telemetry/remote-write/remote-write-decode';
import { expectError } from '../support/errors';
import { pollUntil } from '../support/poll';
import { Service } from '../support/service';
import { cleanUp, startWithPool } from '../support/suite';
import { KernelLoopbackCounter, startLoopbackTraffic } from './loopback-traffic';
import { Program, startNodeExporter, startPrometheus } from './prometheus-process';

const NAME = 'prometheus-remote-write';
const RW = 'ops-secret-rw-0123456789';
const PUSH = 'exporter-secret-push-0123456789';
const RO = 'viewer-secret-ro-0123456789';

let api: Service;
let db: Pool;
let exporter: Program;
let prometheus: (Program & { dir: string }) | undefined;
let traffic: { stop: () => void };
let kernel: KernelLoopbackCounter;

beforeAll(async () => {
  ({ api, db } = await startWithPool({
    API_KEYS: `ops:${RW}:rw,exporter:${PUSH}:push,viewer:${RO}:ro`,
  }));
  exporter = await startNodeExporter();
  // 40 MB/s over the loopback: steady enough to dominate what else the machine sends there.
  traffic = startLoopbackTraffic(40e6);
  kernel = new KernelLoopbackCounter();
});

afterAll(async () => {
  kernel?.stop();
  traffic?.stop();
  await prometheus?.stop();
  await exporter?.stop();
  if (api && db) {
    // The suite's deployments go with the rw key (cleanUp's deletes send none).
    const { rows } = await db.query(`SELECT id FROM deployments WHERE name = $1`, [NAME]);
    for (const { id } of rows) await api.http.delete(`/deployments/${id}`).set('X-API-Key', RW);
  }
  await cleanUp({ service: api, db });
});

async function deployment(nodes: number): Promise<{ id: number; hostnames: string[] }> {
  const created = await api.http
    .post('/deployments')
    .set('X-API-Key', RW)
    .send({ name: NAME, target_node_count: nodes })
    .expect(201);
  const listed = await api.http
    .get(`/deployments/${created.body.id}/nodes`)
    .set('X-API-Key', RW)
    .expect(200);
  const byId = (listed.body.nodes as { id: number; hostname: string }[]).sort(
    (a, b) => a.id - b.id,
  );
  return { id: created.body.id, hostnames: byId.map((n) => n.hostname) };
}

/** The instant of the deployment's first stored throughput, once there is one. */
async function firstSampleAt(deploymentId: number): Promise<number> {
  const first = await pollUntil(
    async () =>
      (
        await db.query(
          `SELECT min("timestamp") AS at FROM telemetry_samples
           WHERE deployment_id = $1 AND throughput_gbps IS NOT NULL`,
          [deploymentId],
        )
      ).rows[0].at as Date | null,
    'a first throughput sample',
    { timeoutMs: 90_000, intervalMs: 250 },
  );
  return first.getTime();
}

async function sampleCount(deploymentId: number): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM telemetry_samples WHERE deployment_id = $1`,
    [deploymentId],
  );
  return rows[0].n;
}

function remoteWrite(deploymentId: number, body: Uint8Array | Buffer, key = PUSH) {
  return api.http
    .post(`/deployments/${deploymentId}/telemetry/remote-write`)
    .set('X-API-Key', key)
    .set('Content-Type', 'application/x-protobuf')
    .set('Content-Encoding', 'snappy')
    .set('X-Prometheus-Remote-Write-Version', '0.1.0')
    .send(Buffer.from(body));
}

const series = (name: string, node: string, samples: [number, number][]) => ({
  labels: [
    { name: '__name__', value: name },
    { name: 'job', value: 'fabric' },
    { name: 'node', value: node },
  ],
  samples: samples.map(([value, timestamp]) => ({ value, timestamp })),
});

const STALE = Buffer.from('7ff0000000000002', 'hex').readDoubleBE(0);

describe('remote write: what a sender may send', () => {
  it('stores the mapped series of the deployment’s nodes and counts the rest', async () => {
    const d = await deployment(2);
    const t = Date.now() - 5000;
    const body = compress(
      encodeRemoteWrite([
        series('netorch:latency_ms', d.hostnames[0], [
          [1.5, t],
          [STALE, t + 1000],
        ]),
        series('netorch:throughput_gbps', d.hostnames[0], [[9.25, t]]),
        series('netorch:error_rate', d.hostnames[0], [[0.5, t]]),
        series('netorch:latency_ms', 'not-a-node-of-this-deployment', [[2, t]]),
        series('node_load1', d.hostnames[1], [
          [0.3, t],
          [0.4, t + 1000],
        ]),
      ]),
    );
    const res = await remoteWrite(d.id, body).expect(204);
    expect(res.headers).toMatchObject({
      'x-netorch-samples-stored': '3',
      'x-netorch-samples-unmatched': '1',
      'x-netorch-samples-ignored': '2',
      'x-netorch-samples-stale': '1',
    });
    const { rows } = await db.query(
      `SELECT s.node_id, s."timestamp", s.latency_ms, s.throughput_gbps, s.error_rate
       FROM telemetry_samples s JOIN nodes n ON n.id = s.node_id
       WHERE s.deployment_id = $1 AND n.hostname = $2`,
      [d.id, d.hostnames[0]],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ latency_ms: 1.5, throughput_gbps: 9.25, error_rate: 0.5 });
    expect(new Date(rows[0].timestamp).getTime()).toBe(t);
  });

  it('refuses bodies that do not decode with 400 and stores nothing', async () => {
    const d = await deployment(1);
    const good = encodeRemoteWrite([
      series('netorch:latency_ms', d.hostnames[0], [[1, Date.now()]]),
    ]);
    const notSnappy = await remoteWrite(d.id, Buffer.from([0x40, 0x00, 0x01, 0x02])).expect(400);
    expectError(notSnappy.body, 400, /not snappy/);
    const uncompressed = await remoteWrite(d.id, good).expect(400);
    expectError(uncompressed.body, 400);
    const notProtobuf = await remoteWrite(d.id, compress(Buffer.from('{"samples":[]}'))).expect(
      400,
    );
    expectError(notProtobuf.body, 400, /not a protobuf WriteRequest/);
    expect(await sampleCount(d.id)).toBe(0);
  });

  it('refuses another encoding and remote write 2.0 with 415', async () => {
    const d = await deployment(1);
    const body = compress(
      encodeRemoteWrite([series('netorch:latency_ms', d.hostnames[0], [[1, Date.now()]])]),
    );
    const gzip = await api.http
      .post(`/deployments/${d.id}/telemetry/remote-write`)
      .set('X-API-Key', PUSH)
      .set('Content-Type', 'application/x-protobuf')
      .set('Content-Encoding', 'gzip')
      .send(Buffer.from(body))
      .expect(415);
    expectError(gzip.body, 415, /snappy/);
    const v2 = await remoteWrite(d.id, body)
      .set('Content-Type', 'application/x-protobuf;proto=io.prometheus.write.v2.Request')
      .set('X-Prometheus-Remote-Write-Version', '2.0.0')
      .expect(415);
    expectError(v2.body, 415);
    expect(await sampleCount(d.id)).toBe(0);
  });

  it('answers an oversized body 413 from its Content-Length, before reading it', async () => {
    const d = await deployment(1);
    const res = await fetch(`${api.url}/deployments/${d.id}/telemetry/remote-write`, {
      method: 'POST',
      headers: {
        'x-api-key': PUSH,
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
      },
      body: Buffer.alloc(8 * 1024 * 1024 + 1, 1),
    });
    expect(res.status).toBe(413);
    expectError(await res.json(), 413, /at most 8388608 bytes/);
    expect(await sampleCount(d.id)).toBe(0);
  });

  it('refuses a chunked body that grows past 8 MiB with 413', async () => {
    const d = await deployment(1);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${api.url}/deployments/${d.id}/telemetry/remote-write`,
        {
          method: 'POST',
          headers: {
            'X-API-Key': PUSH,
            'Content-Type': 'application/x-protobuf',
            'Content-Encoding': 'snappy',
            'Transfer-Encoding': 'chunked',
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(1024 * 1024, 1);
      for (let i = 0; i < 9; i++) req.write(chunk);
      req.end();
    });
    expect(status).toBe(413);
    expect(await sampleCount(d.id)).toBe(0);
  });

  it('checks the key before the body: none is 401, a read-only key 403, a push key passes', async () => {
    const d = await deployment(1);
    const body = compress(
      encodeRemoteWrite([series('netorch:latency_ms', d.hostnames[0], [[1, Date.now()]])]),
    );
    const none = await api.http
      .post(`/deployments/${d.id}/telemetry/remote-write`)
      .set('Content-Type', 'application/x-protobuf')
      .set('Content-Encoding', 'snappy')
      .send(Buffer.from(body))
      .expect(401);
    expectError(none.body, 401);
    expectError((await remoteWrite(d.id, body, RO).expect(403)).body, 403);
    await remoteWrite(d.id, body, RW).expect(204);
    await remoteWrite(d.id, body, PUSH).expect(204);
    expect(api.logs()).not.toContain(PUSH);
  });

  it('is 404 for a deployment that does not exist', async () => {
    const res = await remoteWrite(2_000_000_000, compress(encodeRemoteWrite([]))).expect(404);
    expectError(res.body, 404);
  });
});

describe('remote write from a real Prometheus', () => {
  const WINDOW_S = 10;

  it('receives the recording rules’ samples, matching the kernel’s loopback counters, and bottlenecks run on them', async () => {
    const d = await deployment(5);
    const slow = d.hostnames[4];
    const targets = d.hostnames
      .map((h) => `      - targets: ['127.0.0.1:${exporter.port}']\n        labels: {node: '${h}'}`)
      .join('\n');
    prometheus = await startPrometheus(
      (dir) => `
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ['${dir}/rules.yml']
scrape_configs:
  - job_name: node
    static_configs:
${targets}
remote_write:
  - url: ${api.url}/deployments/${d.id}/telemetry/remote-write
    authorization: {credentials: '${PUSH}'}
    queue_config: {batch_send_deadline: 1s, max_shards: 1, min_backoff: 100ms, max_backoff: 1s}
    metadata_config: {send: false}
`,
      `
groups:
  - name: netorch
    rules:
      - record: netorch:latency_ms
        expr: 1000 * scrape_duration_seconds{job="node", node!="${slow}"} or 1000 * scrape_duration_seconds{job="node", node="${slow}"} + 40
      - record: netorch:throughput_gbps
        expr: 8 * rate(node_network_receive_bytes_total{device="lo"}[${WINDOW_S}s]) / 1e9
      - record: netorch:error_rate
        expr: 100 * rate(node_network_receive_errs_total{device="lo"}[${WINDOW_S}s]) / rate(node_network_receive_packets_total{device="lo"}[${WINDOW_S}s])
`,
    );
    // A rate over a window that reaches back before the first scrapes is too low: only samples
    // whose window lies wholly after the first one netorch received are compared.
    const fullWindowsFrom = (await firstSampleAt(d.id)) + (WINDOW_S + 2) * 1000;
    // Every node reports; wait for a few throughput samples over a full rate window each.
    const rows = await pollUntil(
      async () => {
        const { rows } = await db.query(
          `SELECT n.hostname, s."timestamp", s.latency_ms, s.throughput_gbps, s.error_rate
           FROM telemetry_samples s JOIN nodes n ON n.id = s.node_id
           WHERE s.deployment_id = $1 AND s.throughput_gbps IS NOT NULL AND s."timestamp" >= $2
           ORDER BY s."timestamp"`,
          [d.id, new Date(fullWindowsFrom)],
        );
        const hosts = new Set(rows.map((r) => r.hostname));
        return hosts.size === 5 && rows.length >= 5 * 5 ? rows : undefined;
      },
      'remote-written samples of every node',
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    // Throughput: the mean over the stored samples against the kernel's counter over the same
    // windows; each stored value is a rate over the WINDOW_S seconds before its timestamp.
    const compared = rows
      .map((r) => {
        const at = new Date(r.timestamp).getTime();
        return { stored: r.throughput_gbps, kernel: kernel.gbpsOver(at - WINDOW_S * 1000, at) };
      })
      .filter((c) => c.kernel !== undefined);
    expect(compared.length).toBeGreaterThanOrEqual(10);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const stored = mean(compared.map((c) => c.stored));
    const fromKernel = mean(compared.map((c) => c.kernel!));
    expect(fromKernel).toBeGreaterThan(0.25); // the 40 MB/s the test sends, at least
    expect(Math.abs(stored - fromKernel) / fromKernel).toBeLessThan(0.1);
    // Metrics of one instant that came in different requests are rows of their own: a metric a
    // row lacks is null, never a zero.
    for (const r of rows) {
      if (r.error_rate !== null) expect(r.error_rate).toBeGreaterThanOrEqual(0);
      if (r.latency_ms !== null) expect(r.latency_ms).toBeGreaterThan(0);
    }
    // The slow node is the one the bottleneck analysis names.
    const found = await pollUntil(async () => {
      const res = await api.http
        .get(`/deployments/${d.id}/bottlenecks`)
        .query({ analysis_window_minutes: 5, method: 'mad', threshold: 3 })
        .set('X-API-Key', RO)
        .expect(200);
      return res.body.bottlenecks?.length > 0 ? res.body : undefined;
    }, 'a bottleneck over the remote-written samples');
    const hostnameOf = new Map(
      (
        await db.query(`SELECT node_id, hostname FROM nodes WHERE deployment_id = $1`, [d.id])
      ).rows.map((r) => [r.node_id, r.hostname]),
    );
    expect(
      found.bottlenecks.map((b: { node_identifier: string }) => hostnameOf.get(b.node_identifier)),
    ).toEqual([slow]);
    expect(found.bottlenecks[0].metrics.latency_ms.triggered).toBe(true);
    // The key Prometheus sends is never logged.
    expect(api.logs()).not.toContain(PUSH);
  });
});
