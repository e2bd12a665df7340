import { Pool } from 'pg';
import {
  bottleneckReference,
  close,
  Metric,
  METRICS,
  windowSamples,
} from '../support/bottleneck-reference';
import { cleanUp, startWithPool } from '../support/suite';
import { listNodes } from '../support/deployments';
import { expectError } from '../support/errors';
import { pushSamples } from '../support/samples';
import { Service } from '../support/service';

/**
 * Samples that lack a metric, pushed through the API: every reader treats each metric on its
 * own, held to the plain computation over the raw rows (nulls skipped, never read as 0).
 */
let api: Service;
let db: Pool;
const NAME = `missing-metrics-${process.pid}-${Date.now().toString(36)}`;

beforeAll(async () => {
  ({ api, db } = await startWithPool());
});

afterAll(() => cleanUp({ service: api, db, name: NAME }));

type Sample = { node_id: number; timestamp: string } & Record<Metric, number | null>;

interface Verdict {
  value: number | null;
  baseline: number | null;
  z: number | null;
  triggered: boolean;
  samples: number;
}

interface Result {
  window_start: string;
  window_end: string;
  nodes_analyzed: number;
  samples_analyzed: number;
  baseline: Record<Metric, { centre: number | null; samples: number }>;
  baselines: Record<string, Record<Metric, { centre: number | null; samples: number }>>;
  bottlenecks: {
    node_id: number;
    deviation_score: number;
    samples: number;
    metrics: Record<Metric, Verdict>;
  }[];
}

/**
 * A fabric of 3 spines, 40 leaves and 2 border leaves, 12 samples per node over the last four
 * minutes. Leaves 5 and 6 are slow; leaf 9 reports no latency at all (a zero would make it the
 * fastest by far), leaf 10 only error rates, and many samples lack one metric.
 */
async function fabricWithGaps() {
  const created = await api.http
    .post('/deployments')
    .send({ name: NAME, topology: { spines: 3, leaves: 40, border_leaves: 2 } })
    .expect(201);
  const id = created.body.id as number;
  const nodes = await listNodes(api, id);
  let seed = 5;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const now = Date.now();
  const samples: Sample[] = [];
  nodes.forEach((node, i) => {
    const slow = i === 5 || i === 6;
    for (let k = 0; k < 12; k++) {
      const s: Sample = {
        node_id: node.id,
        timestamp: new Date(now - 5_000 - k * 20_000).toISOString(),
        latency_ms: (slow ? 60 : 10) + random() * 3,
        throughput_gbps: (slow ? 2 : 9) + random(),
        error_rate: random() * (slow ? 3 : 0.3),
      };
      if (i === 9) s.latency_ms = null;
      if (i === 10) s.latency_ms = s.throughput_gbps = null;
      if (i % 3 === 1 && k % 4 === 0) s.throughput_gbps = null;
      if (i % 5 === 2 && k % 3 === 0) s.error_rate = null;
      samples.push(s);
    }
  });
  await pushSamples(api, id, samples);
  return { id, nodes, samples };
}

/** GET .../bottlenecks against the reference over the window's raw rows. */
async function expectMatchesReference(
  id: number,
  method: 'zscore' | 'mad',
  peerGroup: 'role' | 'deployment',
  minSamples = 1,
) {
  const res = await api.http
    .get(`/deployments/${id}/bottlenecks`)
    .query({ method, threshold: 2, peer_group: peerGroup, min_samples: minSamples })
    .expect(200);
  const r = res.body as Result;
  const raw = await windowSamples(db, id, r);
  const ref = bottleneckReference(raw, {
    method,
    threshold: 2,
    minSamples,
    groupOf: (s) => (peerGroup === 'role' ? s.role! : 'deployment'),
  });
  const label = `${method} ${peerGroup} min_samples ${minSamples}`;
  expect({ label, analysed: r.nodes_analyzed, samples: r.samples_analyzed }).toEqual({
    label,
    analysed: ref.analysed,
    samples: ref.samples,
  });
  for (const [group, scale] of ref.groups) {
    const members = raw.filter((s) => (peerGroup === 'role' ? s.role : 'deployment') === group);
    for (const k of METRICS) {
      expect({ label, group, k, ok: close(r.baselines[group][k].centre, scale[k].centre) }).toEqual(
        { label, group, k, ok: true },
      );
      expect(r.baselines[group][k].samples).toBe(members.filter((s) => s[k] !== null).length);
    }
  }
  for (const k of METRICS)
    expect(r.baseline[k].samples).toBe(raw.filter((s) => s[k] !== null).length);
  const byId = new Map(ref.flagged.map((f) => [f.id, f]));
  expect({ label, ids: r.bottlenecks.map((b) => b.node_id).sort((a, b) => a - b) }).toEqual({
    label,
    ids: [...byId.keys()].sort((a, b) => a - b),
  });
  for (const b of r.bottlenecks) {
    const f = byId.get(b.node_id)!;
    expect(close(b.deviation_score, f.score)).toBe(true);
    const own = raw.filter((s) => s.node_id === b.node_id);
    expect(b.samples).toBe(own.length);
    for (const k of METRICS) {
      expect(close(b.metrics[k].z, f.z[k])).toBe(true);
      expect(b.metrics[k].samples).toBe(own.filter((s) => s[k] !== null).length);
      if (b.metrics[k].samples === 0) {
        expect(b.metrics[k]).toMatchObject({ value: null, z: null, triggered: false });
      }
    }
  }
  expect(JSON.stringify(r)).not.toMatch(/NaN|Infinity/);
  return r;
}

jest.setTimeout(120_000);

describe('samples that lack a metric', () => {
  it('are accepted with any metric null but not all three, and listed with their nulls', async () => {
    const created = await api.http
      .post('/deployments')
      .send({ name: NAME, target_node_count: 1 })
      .expect(201);
    const [node] = await listNodes(api, created.body.id);
    const at = new Date(Date.now() - 1000).toISOString();
    const none = { node_id: node.id, timestamp: at, latency_ms: null };
    const bad = await api.http
      .post(`/deployments/${created.body.id}/telemetry`)
      .send({ samples: [{ ...none, throughput_gbps: null, error_rate: null }] })
      .expect(422);
    expectError(bad.body, 422, /samples\[0\] must carry at least one of latency_ms/);
    await pushSamples(api, created.body.id, [{ ...none, throughput_gbps: 4.5, error_rate: null }]);
    const list = await api.http.get(`/deployments/${created.body.id}/telemetry`).expect(200);
    expect(list.body.samples).toEqual([
      expect.objectContaining({ latency_ms: null, throughput_gbps: 4.5, error_rate: null }),
    ]);
  });

  it('keep every rollup and series to the raw rows, metric by metric', async () => {
    const { id } = await fabricWithGaps();
    for (const [table, key] of [
      ['telemetry_rollups', 'node_id'],
      ['telemetry_rollup_groups', 'node_id >> 6'],
    ]) {
      const { rows } = await db.query(
        `WITH raw AS (
           SELECT ${key} AS k, date_bin('1 minute', "timestamp", timestamptz '1970-01-01Z') AS minute,
                  count(*)::int AS n,
                  ${METRICS.map((m) => `count(${m})::int AS ${m}_n, avg(${m}) AS ${m}_mean, var_pop(${m}) * count(${m}) AS ${m}_m2, max(${m}) AS ${m}_max`).join(', ')}
           FROM telemetry_samples WHERE deployment_id = $1 GROUP BY 1, 2)
         SELECT to_jsonb(x) AS raw, to_jsonb(r) AS rollup
         FROM (SELECT * FROM ${table} WHERE deployment_id = $1) r
         FULL JOIN raw x ON x.k = r.${key === 'node_id' ? 'node_id' : 'node_group'} AND x.minute = r.minute`,
        [id],
      );
      expect(rows.length).toBeGreaterThan(0);
      for (const { raw, rollup } of rows) {
        expect(rollup.n).toBe(raw.n);
        for (const m of METRICS) {
          expect([table, m, rollup[`${m}_n`]]).toEqual([table, m, raw[`${m}_n`]]);
          for (const part of ['mean', 'm2', 'max'])
            expect([table, m, part, close(rollup[`${m}_${part}`], raw[`${m}_${part}`])]).toEqual([
              table,
              m,
              part,
              true,
            ]);
        }
      }
    }
    // The series over raw 10-second buckets and over whole-minute rollups, each metric alone.
    for (const bucket of ['10s', '1m']) {
      for (const metric of METRICS) {
        const res = await api.http
          .get(`/deployments/${id}/telemetry/series`)
          .query({ metric, bucket })
          .expect(200);
        const { rows } = await db.query(
          `SELECT date_bin($3::interval, "timestamp", timestamptz '1970-01-01Z') AS t,
                  avg(${metric}) AS avg, max(${metric}) AS max, count(${metric})::int AS count
           FROM telemetry_samples
           WHERE deployment_id = $1 AND "timestamp" >= $2 AND ${metric} IS NOT NULL
           GROUP BY 1 ORDER BY 1`,
          [id, res.body.start_time, bucket === '10s' ? '10 seconds' : '1 minute'],
        );
        const got = res.body.buckets.filter(
          (b: { timestamp: string }) => b.timestamp <= res.body.end_time,
        );
        expect([bucket, metric, got.map((b: { count: number }) => b.count)]).toEqual([
          bucket,
          metric,
          rows.map((r) => r.count),
        ]);
        got.forEach((b: { avg: number; max: number }, i: number) => {
          expect(close(b.avg, rows[i].avg) && close(b.max, rows[i].max)).toBe(true);
        });
      }
    }
  });

  it('score each node on the metrics it has, by deployment and by role, both methods', async () => {
    const { id, nodes } = await fabricWithGaps();
    for (const method of ['zscore', 'mad'] as const) {
      for (const peerGroup of ['deployment', 'role'] as const) {
        const r = await expectMatchesReference(id, method, peerGroup);
        const ids = r.bottlenecks.map((b) => b.node_id);
        // The slow leaves are flagged; the node without latency is not flagged for lacking it.
        expect(ids).toEqual(expect.arrayContaining([nodes[5].id, nodes[6].id]));
        const noLatency = r.bottlenecks.find((b) => b.node_id === nodes[9].id);
        if (noLatency) expect(noLatency.metrics.latency_ms.triggered).toBe(false);
      }
    }
    // min_samples above some nodes' counts: the general path, per metric all the same.
    await expectMatchesReference(id, 'zscore', 'role', 12);
    await expectMatchesReference(id, 'mad', 'deployment', 12);
  });
});
