import { Pool } from 'pg';
import {
  bottleneckReference,
  close,
  Metric,
  METRICS,
  windowSamples,
} from '../support/bottleneck-reference';
import { cleanUp, startWithPool } from '../support/suite';
import { createDeployment, listNodes } from '../support/deployments';
import { expectError } from '../support/errors';
import { pollUntil } from '../support/poll';
import { PushedSample, pushSamples } from '../support/samples';
import { Service } from '../support/service';

let api: Service;
let db: Pool;

beforeAll(async () => {
  ({ api, db } = await startWithPool());
});

afterAll(() => cleanUp({ service: api, db }));

interface Result {
  window_start: string;
  window_end: string;
  nodes_analyzed: number;
  nodes_below_min_samples: number;
  samples_analyzed: number;
  baseline: Record<Metric, { centre: number; spread: number | null }> | null;
  bottlenecks: {
    node_id: number;
    node_identifier: string;
    deviation_score: number;
    samples: number;
    metrics: Record<Metric, { value: number; z: number; triggered: boolean }>;
  }[];
}

async function expectMatchesReference(
  deploymentId: number,
  method: 'zscore' | 'mad',
  threshold: number,
  window = 10,
  minSamples = 1,
) {
  const res = await api.http
    .get(`/deployments/${deploymentId}/bottlenecks`)
    .query({ method, threshold, analysis_window_minutes: window, min_samples: minSamples })
    .expect(200);
  const r = res.body as Result;
  const ref = bottleneckReference(await windowSamples(db, deploymentId, r), {
    method,
    threshold,
    minSamples,
  });
  const label = `${method} threshold ${threshold} window ${window} min_samples ${minSamples}`;
  expect({ label, analysed: r.nodes_analyzed, excluded: r.nodes_below_min_samples }).toEqual({
    label,
    analysed: ref.analysed,
    excluded: ref.excluded,
  });
  expect(r.samples_analyzed).toBe(ref.samples);
  // Nodes within 1e-9 of the threshold may legitimately fall either side; none are generated.
  expect({ label, ids: r.bottlenecks.map((b) => b.node_id).sort((a, b) => a - b) }).toEqual({
    label,
    ids: ref.flagged.map((f) => f.id).sort((a, b) => a - b),
  });
  const byId = new Map(ref.flagged.map((f) => [f.id, f]));
  r.bottlenecks.forEach((b, i) => {
    const f = byId.get(b.node_id)!;
    expect(close(b.deviation_score, f.score)).toBe(true);
    for (const k of METRICS) expect(close(b.metrics[k].z, f.z[k])).toBe(true);
    // Highest score first, ties by node id; scores equal to rounding (the service sums rollups,
    // the reference raw samples) may come in either order.
    if (i > 0) {
      const prev = r.bottlenecks[i - 1];
      const tied = close(prev.deviation_score, b.deviation_score);
      expect(tied || prev.deviation_score > b.deviation_score).toBe(true);
      if (!tied)
        expect(ref.flagged.indexOf(byId.get(prev.node_id)!)).toBeLessThan(ref.flagged.indexOf(f));
    }
  });
  if (ref.analysed > 0) {
    const scale = ref.groups.get('deployment')!;
    for (const k of METRICS) expect(close(r.baseline![k].centre, scale[k].centre)).toBe(true);
  }
  expect(JSON.stringify(r)).not.toMatch(/NaN|Infinity|null,"spread_kind":"mad"/);
  return r;
}

/** Every rollup row equals the aggregate of the raw samples of its node and minute. */
async function expectRollupsMatchSamples(deploymentId: number) {
  const { rows } = await db.query(
    `WITH raw AS (
       SELECT node_id, date_bin('1 minute', "timestamp", timestamptz '1970-01-01Z') AS minute,
              count(*)::int AS n, avg(latency_ms) AS lat, var_pop(latency_ms) * count(*) AS lat_m2,
              avg(error_rate) AS err, min("timestamp") AS first_ts, max("timestamp") AS last_ts
       FROM telemetry_samples WHERE deployment_id = $1 GROUP BY 1, 2)
     SELECT r.n AS rn, x.n AS xn, r.latency_ms_mean AS rl, x.lat AS xl, r.latency_ms_m2 AS rm,
            x.lat_m2 AS xm, r.error_rate_mean AS re, x.err AS xe,
            r.first_ts = x.first_ts AND r.last_ts = x.last_ts AS same_span
     FROM (SELECT * FROM telemetry_rollups WHERE deployment_id = $1) r
     FULL JOIN raw x ON x.node_id = r.node_id AND x.minute = r.minute`,
    [deploymentId],
  );
  for (const row of rows) {
    expect(row.rn).toBe(row.xn);
    expect(close(row.rl, row.xl) && close(row.re, row.xe)).toBe(true);
    expect(Math.abs(row.rm - row.xm)).toBeLessThanOrEqual(1e-9 * Math.max(1, row.xm));
    expect(row.same_span).toBe(true);
  }
  await expectGroupRollupsMatchSamples(deploymentId);
  return rows.length;
}

/** Every group rollup row (64 nodes, one minute) equals the aggregate of its raw samples. */
async function expectGroupRollupsMatchSamples(deploymentId: number) {
  const { rows } = await db.query(
    `WITH raw AS (
       SELECT node_id >> 6 AS node_group,
              date_bin('1 minute', "timestamp", timestamptz '1970-01-01Z') AS minute,
              count(*)::int AS n, avg(latency_ms) AS lat, var_pop(latency_ms) * count(*) AS lat_m2,
              avg(throughput_gbps) AS thr, var_pop(throughput_gbps) * count(*) AS thr_m2,
              min("timestamp") AS first_ts, max("timestamp") AS last_ts
       FROM telemetry_samples WHERE deployment_id = $1 GROUP BY 1, 2)
     SELECT r.n AS rn, x.n AS xn, r.latency_ms_mean AS rl, x.lat AS xl, r.latency_ms_m2 AS rm,
            x.lat_m2 AS xm, r.throughput_gbps_mean AS rt, x.thr AS xt,
            r.throughput_gbps_m2 AS rtm, x.thr_m2 AS xtm,
            r.first_ts = x.first_ts AND r.last_ts = x.last_ts AS same_span
     FROM (SELECT * FROM telemetry_rollup_groups WHERE deployment_id = $1) r
     FULL JOIN raw x ON x.node_group = r.node_group AND x.minute = r.minute`,
    [deploymentId],
  );
  for (const row of rows) {
    expect(row.rn).toBe(row.xn);
    expect(close(row.rl, row.xl) && close(row.rt, row.xt)).toBe(true);
    expect(Math.abs(row.rm - row.xm)).toBeLessThanOrEqual(1e-9 * Math.max(1, row.xm));
    expect(Math.abs(row.rtm - row.xtm)).toBeLessThanOrEqual(1e-9 * Math.max(1, row.xtm));
    expect(row.same_span).toBe(true);
  }
}

/** A tiny deterministic generator so a failing fabric can be replayed. */
function rng(seed: number) {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

const push = (deploymentId: number, samples: PushedSample[]) =>
  pushSamples(api, deploymentId, samples, 2000);

describe('bottleneck detection on rollups', () => {
  it('gives the hand-computed answers for both methods', async () => {
    const d = await createDeployment(api, { target_node_count: 5 });
    const nodes = await listNodes(api, d.id);
    const at = new Date(Date.now() - 90_000).toISOString();
    // Latencies 10, 11, 12, 80, 80 (one sample each); other metrics constant.
    const lat = [10, 11, 12, 80, 80];
    await push(
      d.id,
      nodes.map((n, i) => ({
        node_id: n.id,
        timestamp: at,
        latency_ms: lat[i],
        throughput_gbps: 9.5,
        error_rate: 0.1,
      })),
    );
    const z = await api.http.get(`/deployments/${d.id}/bottlenecks`).expect(200);
    // Mean 38.6, sample SD sqrt(5715.2/4): the two slow nodes mask each other at z = 1.095.
    expect(z.body.total_bottlenecks).toBe(0);
    expect(close(z.body.baseline.latency_ms.centre, 38.6)).toBe(true);
    expect(close(z.body.baseline.latency_ms.spread, Math.sqrt(5715.2 / 4))).toBe(true);
    expect(z.body.baseline.throughput_gbps.scale).toBeNull();
    const low = await api.http.get(`/deployments/${d.id}/bottlenecks?threshold=1`).expect(200);
    expect(low.body.bottlenecks.map((b: { node_id: number }) => b.node_id)).toEqual([
      nodes[3].id,
      nodes[4].id,
    ]);
    expect(close(low.body.bottlenecks[0].metrics.latency_ms.z, 41.4 / Math.sqrt(5715.2 / 4))).toBe(
      true,
    );
    const mad = await api.http.get(`/deployments/${d.id}/bottlenecks?method=mad`).expect(200);
    // Median 12, MAD 2: z = 0.6745 * 68 / 2 = 22.933.
    expect(mad.body.bottlenecks.map((b: { node_id: number }) => b.node_id)).toEqual([
      nodes[3].id,
      nodes[4].id,
    ]);
    expect(close(mad.body.bottlenecks[0].metrics.latency_ms.z, (0.6745 * 68) / 2)).toBe(true);
    expect(mad.body.bottlenecks[0].metrics.latency_ms).toMatchObject({
      value: 80,
      baseline: 12,
      triggered: true,
    });
    expect(mad.body.baseline.latency_ms).toMatchObject({
      centre: 12,
      spread: 2,
      spread_kind: 'mad',
    });
    const strict = await api.http.get(`/deployments/${d.id}/bottlenecks?method=mad&threshold=10`);
    expect(strict.body.total_bottlenecks).toBe(2);
    const none = await api.http.get(`/deployments/${d.id}/bottlenecks?method=mad&min_samples=2`);
    expect(none.body).toMatchObject({
      nodes_analyzed: 0,
      nodes_below_min_samples: 5,
      baseline: null,
    });
  });

  it('cuts the window inside a minute: samples just inside count, just outside do not', async () => {
    const d = await createDeployment(api, { target_node_count: 3 });
    const [a, b, c] = await listNodes(api, d.id);
    const now = Date.now();
    const edge = now - 10 * 60_000;
    const s = (node: number, t: number, latency: number): PushedSample => ({
      node_id: node,
      timestamp: new Date(t).toISOString(),
      latency_ms: latency,
      throughput_gbps: 5,
      error_rate: 0.5,
    });
    await push(d.id, [
      s(a.id, edge + 30_000, 10),
      s(a.id, edge - 1_000, 500),
      s(b.id, edge - 2_000, 20),
      s(c.id, now - 1_000, 30),
      s(c.id, now + 50_000, 900),
    ]);
    const r = await expectMatchesReference(d.id, 'zscore', 0.5);
    expect(r.nodes_analyzed).toBe(2);
    expect(r.samples_analyzed).toBe(2);
    expect(r.baseline!.latency_ms.centre).toBe(20);
    await expectRollupsMatchSamples(d.id);
  });

  it('reads the trailing minute node by node when a sample stamped after now cuts it', async () => {
    // Keep now and now + 3 s in one minute, so the late sample lands in the trailing minute.
    await pollUntil(() => Date.now() % 60_000 <= 50_000, 'ten seconds left in the minute', {
      intervalMs: 250,
    });
    const d = await createDeployment(api, { target_node_count: 6 });
    const nodes = await listNodes(api, d.id);
    const now = Date.now();
    const minuteStart = Math.floor(now / 60_000) * 60_000;
    const samples: PushedSample[] = [];
    nodes.forEach((n, i) => {
      for (const t of [now - 200_000, now - 70_000, minuteStart + ((now - minuteStart) * i) / 6]) {
        samples.push({
          node_id: n.id,
          timestamp: new Date(t).toISOString(),
          latency_ms: i === 4 ? 70 + i : 10 + i + (t % 7),
          throughput_gbps: 9 - (i % 2),
          error_rate: 0.2,
        });
      }
    });
    samples.push({
      node_id: nodes[1].id,
      timestamp: new Date(now + 3_000).toISOString(),
      latency_ms: 5000,
      throughput_gbps: 0,
      error_rate: 100,
    });
    await push(d.id, samples);
    const r = await expectMatchesReference(d.id, 'zscore', 1.5);
    expect(r.samples_analyzed).toBe(18);
    expect(r.bottlenecks.map((b) => b.node_id)).toEqual([nodes[4].id]);
    await expectRollupsMatchSamples(d.id);
  });

  it('equals the reference on randomized fabrics, windows, thresholds and min_samples', async () => {
    const random = rng(20261127);
    for (let f = 0; f < 3; f++) {
      const d = await createDeployment(api, { target_node_count: 12 + f * 9 });
      const nodes = await listNodes(api, d.id);
      const now = Date.now();
      const samples: PushedSample[] = [];
      nodes.forEach((n, i) => {
        const slow = i % 7 === 3 || (f === 2 && i % 5 === 0);
        const count = 1 + Math.floor(random() * 25);
        for (let k = 0; k < count; k++) {
          samples.push({
            node_id: n.id,
            // Up to 14 minutes back, a few stamped ahead of now.
            timestamp: new Date(
              now - random() * 14 * 60_000 + (k === 0 ? 30_000 : 0),
            ).toISOString(),
            latency_ms: (slow ? 60 : 10) + random() * 8,
            throughput_gbps: (slow ? 3 : 9) + random(),
            error_rate: f === 1 ? 0.1 : random() * (slow ? 5 : 1),
          });
        }
      });
      // Several batches, shuffled, so rollup rows are merged many times.
      samples.sort(() => random() - 0.5);
      for (let i = 0; i < samples.length; i += 37) await push(d.id, samples.slice(i, i + 37));
      expect(await expectRollupsMatchSamples(d.id)).toBeGreaterThan(0);
      for (const method of ['zscore', 'mad'] as const) {
        for (const threshold of [0.5, 1.5, 2, 3]) {
          await expectMatchesReference(d.id, method, threshold);
        }
        await expectMatchesReference(d.id, method, 1, 1);
        await expectMatchesReference(d.id, method, 1, 5, 4);
        await expectMatchesReference(d.id, method, 2, 60, 10);
      }
    }
  });

  it('scores a large deployment on two connections over one snapshot, equal to the reference', async () => {
    // 4,000 nodes: at the size from which the service splits the window across two connections.
    const d = await createDeployment(api, { target_node_count: 4000 });
    await db.query(
      `INSERT INTO telemetry_samples (deployment_id, node_id, "timestamp", latency_ms, throughput_gbps, error_rate)
       SELECT $1, n.id, now() - (k * 50 + n.seq % 50) * interval '1 second',
              CASE WHEN n.seq % 97 = 0 THEN 80 ELSE 10 + (n.seq * 7 + k) % 5 END,
              CASE WHEN n.seq % 89 = 0 THEN 2 ELSE 9 + ((n.seq + k) % 3) / 10.0 END,
              ((n.seq * 13 + k) % 11) / 100.0
       FROM nodes n CROSS JOIN generate_series(0, 9) k WHERE n.deployment_id = $1`,
      [d.id],
    );
    for (const method of ['zscore', 'mad'] as const) {
      const r = await expectMatchesReference(d.id, method, 2);
      expect(r.nodes_analyzed).toBe(4000);
      expect(r.bottlenecks.length).toBeGreaterThan(0);
      const { rows } = await db.query(`SELECT id, node_id FROM nodes WHERE deployment_id = $1`, [
        d.id,
      ]);
      const names = new Map(rows.map((n) => [n.id, n.node_id]));
      for (const b of r.bottlenecks) expect(b.node_identifier).toBe(names.get(b.node_id));
    }
  });

  it('keeps node and group rollups equal to raw samples after a node delete, a retention drop and a deployment delete', async () => {
    const d = await createDeployment(api, { target_node_count: 4 });
    const nodes = await listNodes(api, d.id);
    const now = Date.now();
    // An hour into the day two days back, so old and old + 61 s share one daily partition.
    const old = Math.floor(now / 86_400_000) * 86_400_000 - 2 * 86_400_000 + 3_600_000;
    const samples: PushedSample[] = [];
    for (const n of nodes) {
      // 85 s apart, so the two recent samples never share a minute whatever the clock says.
      for (const t of [old, old + 61_000, now - 90_000, now - 5_000]) {
        samples.push({
          node_id: n.id,
          timestamp: new Date(t).toISOString(),
          latency_ms: n.id,
          throughput_gbps: 1,
          error_rate: 0,
        });
      }
    }
    await push(d.id, samples);
    expect(await expectRollupsMatchSamples(d.id)).toBe(16);
    await api.http.delete(`/deployments/${d.id}/nodes/${nodes[0].id}`).expect(204);
    expect(await expectRollupsMatchSamples(d.id)).toBe(12);
    // Retention drops the same day of every telemetry table.
    const day = new Date(old).toISOString().slice(0, 10).replace(/-/g, '');
    for (const table of ['telemetry_samples', 'telemetry_rollups', 'telemetry_rollup_groups']) {
      await db.query(`DROP TABLE ${table}_p${day}`);
    }
    expect(await expectRollupsMatchSamples(d.id)).toBe(6);
    await expectMatchesReference(d.id, 'zscore', 0.5);
    await api.http.delete(`/deployments/${d.id}`).expect(204);
    for (const table of ['telemetry_samples', 'telemetry_rollups', 'telemetry_rollup_groups']) {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM ${table} WHERE deployment_id = $1`,
        [d.id],
      );
      expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
    }
  });

  it('rejects bad parameters with 422 naming the field', async () => {
    const d = await createDeployment(api, { target_node_count: 1 });
    for (const [q, field] of [
      ['method=median', 'method'],
      ['min_samples=0', 'min_samples'],
      ['threshold=0.1', 'threshold'],
      ['analysis_window_minutes=61', 'analysis_window_minutes'],
    ]) {
      const res = await api.http.get(`/deployments/${d.id}/bottlenecks?${q}`).expect(422);
      expectError(res.body, 422, new RegExp(field));
    }
    await api.http.get('/deployments/999999/bottlenecks?method=mad').expect(404);
  });
});
