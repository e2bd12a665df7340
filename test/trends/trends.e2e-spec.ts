import { Pool } from 'pg';
import { createDeployment, createFabric, listNodes } from '../support/deployments';
import { expectError } from '../support/errors';
import { foldUpTo } from '../support/prefix-folds';
import { PushedSample, pushSamples } from '../support/samples';
import { Service } from '../support/service';
import { cleanUp, startWithPool } from '../support/suite';

let api: Service;
let db: Pool;
// Other suites of the run share the database: our deployments carry a name nobody else uses.
const NAME = `trends-${process.pid}-${Date.now().toString(36)}`;
const MINUTE = 60_000;
const DAY = 86_400_000;

beforeAll(async () => {
  ({ api, db } = await startWithPool());
});

afterAll(() => cleanUp({ service: api, db, name: NAME }));

/**
 * Equal within 1e-9 relative to the larger of the reference and `scale`: the figure's natural
 * size where it may be near 0 (a slope next to noise is small against sqrt(Syy/Sxx), the slope of
 * a perfect fit; r2 against 1), as rounding is relative to that size, not to the figure.
 */
function expectClose(actual: number | null, expected: number | null, what: string, scale = 1e-6) {
  if (expected === null) {
    expect({ what, actual }).toEqual({ what, actual: null });
    return;
  }
  const ok =
    actual !== null && Math.abs(actual - expected) <= 1e-9 * Math.max(scale, Math.abs(expected));
  expect({ what, actual, expected, ok }).toEqual({ what, actual, expected, ok: true });
}

/** A deterministic pseudo-random sequence in [0, 1) (a test must give the same data each run). */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Trend {
  node_id: number;
  samples: number;
  slope_per_minute: number | null;
  fitted_now: number | null;
  predicted: number | null;
  r2: number | null;
  t_stat: number | null;
  significant: boolean;
  time_to_threshold_minutes: number | null;
}

/** regr_* over the raw rows of the window, time in minutes from its end. */
async function regrReference(deploymentId: number, metric: string, from: string, to: string) {
  const { rows } = await db.query<{
    node_id: number;
    n: string;
    slope: number | null;
    intercept: number | null;
    r2: number | null;
    scale: number | null;
  }>(
    `SELECT node_id, regr_count(y, x) AS n, regr_slope(y, x) AS slope,
            regr_intercept(y, x) AS intercept, regr_r2(y, x) AS r2,
            sqrt(regr_syy(y, x) / nullif(regr_sxx(y, x), 0)) AS scale
     FROM (SELECT node_id, ${metric} AS y, date_part('epoch', "timestamp" - $3::timestamptz) / 60 AS x
           FROM telemetry_samples WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3) s
     GROUP BY node_id`,
    [deploymentId, from, to],
  );
  return new Map(rows.map((r) => [r.node_id, { ...r, n: Number(r.n) }]));
}

async function expectTrendsMatch(deploymentId: number, window: number, threshold: number) {
  const res = await api.http
    .get(`/deployments/${deploymentId}/trends`)
    .query({ window_minutes: window, horizon_minutes: 30, threshold, limit: 1000 })
    .expect(200);
  const ref = await regrReference(
    deploymentId,
    'latency_ms',
    res.body.window_start,
    res.body.window_end,
  );
  const trends = res.body.trends as Trend[];
  expect(trends.map((t) => t.node_id).sort()).toEqual([...ref.keys()].sort());
  for (const t of trends) {
    const r = ref.get(t.node_id)!;
    expect(t.samples).toBe(r.n);
    expectClose(t.slope_per_minute, r.slope, `slope of ${t.node_id}`, r.scale ?? 0);
    expectClose(t.fitted_now, r.intercept, `fitted_now of ${t.node_id}`);
    expectClose(t.r2, r.r2, `r2 of ${t.node_id}`, 1);
    if (r.slope !== null) {
      expectClose(t.predicted, r.intercept! + r.slope * 30, `predicted of ${t.node_id}`, 1e-3);
    }
  }
  return trends;
}

describe('trends', () => {
  let id: number;
  let ids: number[];
  let end: number;

  beforeAll(async () => {
    const d = await createDeployment(api, { name: NAME, target_node_count: 6 });
    id = d.id;
    ids = (await listNodes(api, id)).map((n) => n.id);
    // 40 minutes of 5-second samples up to a few seconds ago: a linear ramp (20 ms rising 0.5 ms
    // a minute), a flat line, noise, a ramp with noise, a node with 4 samples only, and a ramp
    // with missing values (every third latency, every fourth error rate null).
    end = Date.now() - 2_000;
    const rand = noise(7);
    // Pushed as the API takes them: a metric may be null.
    const samples: object[] = [];
    for (let t = end - 40 * MINUTE; t <= end; t += 5_000) {
      const minutes = (t - (end - 40 * MINUTE)) / MINUTE;
      const at = new Date(t).toISOString();
      const row = (node: number, latency: number, errors: number) =>
        samples.push({
          node_id: ids[node],
          timestamp: at,
          latency_ms: latency,
          throughput_gbps: 10,
          error_rate: errors,
        });
      row(0, 20 + 0.5 * minutes, 0.001);
      row(1, 50, 0.002);
      row(2, 30 + 10 * rand(), rand() * 0.01);
      const r = rand();
      row(3, 25 + 0.2 * minutes + 3 * r, 0.001 + 0.004 * r + 0.001 * rand());
      const k = samples.length;
      samples.push({
        node_id: ids[5],
        timestamp: at,
        latency_ms: k % 3 === 0 ? null : 10 + minutes + rand(),
        throughput_gbps: 10,
        error_rate: k % 4 === 0 ? null : rand() * 0.01,
      });
    }
    for (let k = 0; k < 4; k++) {
      samples.push({
        node_id: ids[4],
        timestamp: new Date(end - k * 30_000).toISOString(),
        latency_ms: 40 + k,
        throughput_gbps: 9,
        error_rate: 0,
      });
    }
    await pushSamples(api, id, samples);
  });

  it('fits each node exactly as regr_* over the raw rows, before and after the fold', async () => {
    const before = await expectTrendsMatch(id, 30, 50);
    expect(
      (await db.query(`SELECT 1 FROM telemetry_minute_moments WHERE deployment_id = $1`, [id]))
        .rowCount,
    ).toBe(0);
    await foldUpTo(db, id, Math.floor(end / MINUTE) * MINUTE);
    const folded = await db.query(
      `SELECT count(*)::int AS n FROM telemetry_minute_moments WHERE deployment_id = $1`,
      [id],
    );
    expect(folded.rows[0].n).toBeGreaterThan(100);
    const after = await expectTrendsMatch(id, 30, 50);
    // The same nodes (their order by |t| may change: the window moved on between the requests).
    expect(after.map((t) => t.node_id).sort()).toEqual(before.map((t) => t.node_id).sort());

    const byNode = new Map(after.map((t) => [t.node_id, t]));
    const ramp = byNode.get(ids[0])!;
    expectClose(ramp.slope_per_minute, 0.5, 'the ramp rises 0.5 ms a minute');
    expect(ramp.significant).toBe(true);
    // The ramp reaches 50 ms (its fitted value now is 40) in 20 minutes: second, after the flat
    // line that is at 50 ms already.
    expectClose(ramp.time_to_threshold_minutes, (50 - ramp.fitted_now!) / 0.5, 'time to 50 ms');
    expect(after.slice(0, 2).map((t) => t.node_id)).toEqual([ids[1], ids[0]]);
    const flat = byNode.get(ids[1])!;
    expect({ slope: flat.slope_per_minute, r2: flat.r2, significant: flat.significant }).toEqual({
      slope: 0,
      r2: 1,
      significant: false,
    });
    // At 50 ms already: no time left.
    expect(flat.time_to_threshold_minutes).toBe(0);
    const noisy = byNode.get(ids[2])!;
    expect(noisy.significant).toBe(Math.abs(noisy.t_stat!) >= 2);
    expect(noisy.r2!).toBeLessThan(0.2);
    // Nulls are skipped: fewer samples than rows, still the fit of the rows that have a value.
    const gaps = byNode.get(ids[5])!;
    expect(gaps.samples).toBeLessThan(after.find((t) => t.node_id === ids[0])!.samples);
    expect(gaps.slope_per_minute!).toBeGreaterThan(0.9);
    const few = byNode.get(ids[4])!;
    expect({ samples: few.samples, significant: few.significant }).toEqual({
      samples: 4,
      significant: false,
    });
  });

  it('counts a sample written into a folded minute at once', async () => {
    await pushSamples(api, id, [
      {
        node_id: ids[0],
        timestamp: new Date(end - 10 * MINUTE + 1_500).toISOString(),
        latency_ms: 90,
        throughput_gbps: 10,
        error_rate: 0.5,
      },
    ]);
    await expectTrendsMatch(id, 30, 50);
    await expectTrendsMatch(id, 60, 50);
  });

  it("gives Pearson's r of two metrics per node as corr over the raw rows", async () => {
    const res = await api.http
      .get(`/deployments/${id}/correlations`)
      .query({ window_minutes: 30, pair: 'error_rate:latency_ms' })
      .expect(200);
    const { rows } = await db.query<{ node_id: number; n: string; r: number | null }>(
      `SELECT node_id, regr_count(latency_ms, error_rate) AS n, corr(latency_ms, error_rate) AS r
       FROM telemetry_samples WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3
       GROUP BY node_id`,
      [id, res.body.window_start, res.body.window_end],
    );
    const list = res.body.correlations as { node_id: number; samples: number; r: number | null }[];
    expect(list).toHaveLength(rows.length);
    for (const row of rows) {
      const c = list.find((x) => x.node_id === row.node_id)!;
      expect(c.samples).toBe(Number(row.n));
      expectClose(c.r, row.r, `r of ${row.node_id}`, 1);
    }
    // Latency and errors share their noise on node 3; constant latency has no r.
    expect(list.find((c) => c.node_id === ids[3])!.r).toBeGreaterThan(0.3);
    expect(list.find((c) => c.node_id === ids[1])!.r).toBeNull();
  });

  it('pages and filters', async () => {
    const page = await api.http
      .get(`/deployments/${id}/trends`)
      .query({ skip: 1, limit: 2 })
      .expect(200);
    const all = await api.http.get(`/deployments/${id}/trends`).expect(200);
    expect(page.body.total).toBe(6);
    expect(page.body.trends.map((t: Trend) => t.node_id)).toEqual(
      all.body.trends.slice(1, 3).map((t: Trend) => t.node_id),
    );
    const one = await api.http
      .get(`/deployments/${id}/trends`)
      .query({ node_id: ids[2] })
      .expect(200);
    expect(one.body.trends.map((t: Trend) => t.node_id)).toEqual([ids[2]]);
    const spines = await api.http
      .get(`/deployments/${id}/trends`)
      .query({ role: 'spine' })
      .expect(200);
    expect(spines.body.trends).toEqual([]);
  });

  it('answers bad parameters with 422 and an unknown deployment with 404', async () => {
    for (const query of [
      { window_minutes: 4 },
      { window_minutes: 1441 },
      { horizon_minutes: 0 },
      { horizon_minutes: 10081 },
      { metric: 'temperature' },
      { threshold: 'high' },
      { role: 'core' },
      { limit: 0 },
    ]) {
      expectError((await api.http.get(`/deployments/${id}/trends`).query(query)).body, 422);
    }
    expectError(
      (
        await api.http
          .get(`/deployments/${id}/correlations`)
          .query({ pair: 'latency_ms:latency_ms' })
      ).body,
      422,
    );
    expectError(
      (await api.http.get(`/deployments/${id}/anomalies`).query({ baseline_days: 2 })).body,
      422,
    );
    expectError((await api.http.get(`/deployments/${id}/nodes/x1/correlations`)).body, 422);
    expectError((await api.http.get(`/deployments/2147483647/trends`)).body, 404);
    expectError((await api.http.get(`/deployments/${id}/nodes/2147483647/correlations`)).body, 404);
  });
});

describe('a node against its own history', () => {
  it('scores the window against the same window on past days, as median and MAD of raw means', async () => {
    const d = await createDeployment(api, { name: NAME, target_node_count: 4 });
    const ids = (await listNodes(api, d.id)).map((n) => n.id);
    const now = Date.now();
    const rand = noise(11);
    const samples: PushedSample[] = [];
    // A daily pattern: each day's 15 minutes before this time of day hold the node's usual
    // latency (plus a little day-to-day change); today node 0 runs 30 ms slower, node 1 as usual,
    // node 2 has two past days only, node 3 none today.
    for (let day = 0; day <= 5; day++) {
      for (let t = now - day * DAY - 14 * MINUTE; t < now - day * DAY - 2_000; t += 10_000) {
        const at = new Date(t).toISOString();
        const usual = 40 + 2 * Math.sin(day) + rand();
        const row = (node: number, latency: number) =>
          samples.push({
            node_id: ids[node],
            timestamp: at,
            latency_ms: latency,
            throughput_gbps: 10,
            error_rate: 0,
          });
        row(0, usual + (day === 0 ? 30 : 0));
        row(1, usual);
        if (day <= 2) row(2, usual);
        if (day > 0) row(3, usual);
      }
    }
    await pushSamples(api, d.id, samples);
    const res = await api.http
      .get(`/deployments/${d.id}/anomalies`)
      .query({ window_minutes: 15, baseline_days: 5, threshold: 3 })
      .expect(200);
    const end = new Date(res.body.window_end).getTime();
    const { rows } = await db.query<{ node_id: number; day: number; mean: number }>(
      `SELECT node_id, day, avg(latency_ms) AS mean
       FROM telemetry_samples s, generate_series(0, 5) AS day
       WHERE deployment_id = $1 AND "timestamp" >= $2::timestamptz - day * interval '1 day' - interval '15 minutes'
         AND "timestamp" < $2::timestamptz - day * interval '1 day'
       GROUP BY 1, 2`,
      [d.id, new Date(end).toISOString()],
    );
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    };
    expect(res.body.nodes_without_history).toBe(1);
    const list = res.body.anomalies as {
      node_id: number;
      value: number;
      z: number;
      anomalous: boolean;
      baseline_median: number;
      baseline_mad: number;
      baseline_days: number;
    }[];
    expect(list.map((a) => a.node_id)).toEqual([ids[0], ids[1]]);
    for (const a of list) {
      const mine = rows.filter((r) => r.node_id === a.node_id);
      const today = mine.find((r) => r.day === 0)!.mean;
      const past = mine.filter((r) => r.day > 0).map((r) => r.mean);
      const m = median(past);
      const mad = median(past.map((p) => Math.abs(p - m)));
      expect(a.baseline_days).toBe(5);
      expectClose(a.value, today, 'window mean');
      expectClose(a.baseline_median, m, 'median');
      expectClose(a.baseline_mad, mad, 'MAD');
      expectClose(a.z, (0.6745 * (today - m)) / mad, 'z');
    }
    expect(list[0].anomalous).toBe(true);
    expect(list[1].anomalous).toBe(Math.abs(list[1].z) >= 3);
  });
});

/** Pearson's r of two nodes' per-minute mean latency in [from, to), plainly over raw rows. */
async function minuteCorr(deploymentId: number, from: string, to: string, a: number, b: number) {
  const { rows } = await db.query<{ r: number | null; n: string }>(
    `WITH m AS (
       SELECT node_id, date_bin('1 minute', "timestamp", timestamptz '1970-01-01') AS minute, avg(latency_ms) AS v
       FROM telemetry_samples WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3
       GROUP BY 1, 2)
     SELECT corr(a.v, b.v) AS r, count(*) AS n FROM m a JOIN m b USING (minute)
     WHERE a.node_id = $4 AND b.node_id = $5`,
    [deploymentId, from, to, a, b],
  );
  return { r: rows[0].r, minutes: Number(rows[0].n) };
}

describe('correlation with uplinks', () => {
  it('shows a leaf following its slow spine: r per uplink, and as evidence of the likely cause', async () => {
    const f = await createFabric(api, { name: NAME, topology: { spines: 4, leaves: 6 } });
    const spines = f.nodes.filter((n) => n.role === 'spine');
    const leaves = f.nodes.filter((n) => n.role === 'leaf');
    const rand = noise(3);
    const samples: PushedSample[] = [];
    const end = Date.now() - 1_000;
    for (let minute = 20; minute >= 0; minute--) {
      // Spine 0 is slow and its latency wanders minute by minute; leaf 0 carries an eighth of it.
      const slow = 60 + 15 * rand();
      for (let s = 0; s < 60; s += 15) {
        const at = new Date(end - minute * MINUTE - s * 1000).toISOString();
        const row = (node: number, latency: number) =>
          samples.push({
            node_id: node,
            timestamp: at,
            latency_ms: latency,
            throughput_gbps: 10,
            error_rate: 0,
          });
        row(spines[0].id, slow);
        for (const spine of spines.slice(1)) row(spine.id, 20 + 2 * rand());
        row(leaves[0].id, 5 + slow / 8 + 0.1 * rand());
        for (const leaf of leaves.slice(1)) row(leaf.id, 5 + 0.5 * rand());
      }
    }
    await pushSamples(api, f.id, samples);
    const res = await api.http
      .get(`/deployments/${f.id}/nodes/${leaves[0].node_id}/correlations`)
      .query({ window_minutes: 15 })
      .expect(200);
    expect(res.body.node_id).toBe(leaves[0].id);
    const peers = res.body.peers as { node_id: number; r: number; minutes: number }[];
    expect(peers.map((p) => p.node_id).sort()).toEqual(spines.map((s) => s.id).sort());
    for (const p of peers) {
      const ref = await minuteCorr(
        f.id,
        res.body.window_start,
        res.body.window_end,
        leaves[0].id,
        p.node_id,
      );
      expect(p.minutes).toBe(ref.minutes);
      expectClose(p.r, ref.r, `r against ${p.node_id}`, 1);
    }
    expect(peers[0].node_id).toBe(spines[0].id);
    expect(peers[0].r).toBeGreaterThan(0.95);

    const b = await api.http
      .get(`/deployments/${f.id}/bottlenecks`)
      .query({ method: 'mad', analysis_window_minutes: 10 })
      .expect(200);
    const leaf = (
      b.body.bottlenecks as {
        node_id: number;
        likely_caused_by: number[];
        likely_cause_correlations: number[];
      }[]
    ).find((x) => x.node_id === leaves[0].id)!;
    expect(leaf.likely_caused_by).toEqual([spines[0].id]);
    const ref = await minuteCorr(
      f.id,
      b.body.window_start,
      b.body.window_end,
      leaves[0].id,
      spines[0].id,
    );
    expect(leaf.likely_cause_correlations).toHaveLength(1);
    expectClose(leaf.likely_cause_correlations[0], ref.r, "the likely cause's r", 1);
  });
});
