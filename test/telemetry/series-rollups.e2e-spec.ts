import { Pool } from 'pg';
import { testPool } from '../support/database';
import { createDeployment, listNodes } from '../support/deployments';
import { expectError } from '../support/errors';
import { Service, startService } from '../support/service';

// API only (no collection): the deployment's samples are exactly the ones pushed here. The raw
// bound is small so that a test can cross it: 5 nodes x 20 minutes x 6 samples = 600 samples.
const RAW_LIMIT = 150;
let api: Service;
let db: Pool;
let deploymentId: number;
let nodeIds: number[];
let base: Date;
const MINUTE = 60_000;

beforeAll(async () => {
  db = testPool();
  api = await startService({
    APP_ROLE: 'api',
    MAX_SERIES_RAW_SAMPLES: String(RAW_LIMIT),
    RATE_LIMIT_PER_MINUTE: '0',
  });
  const d = await createDeployment(api, { name: 'series', target_node_count: 5 });
  deploymentId = d.id;
  nodeIds = (await listNodes(api, d.id)).map((n) => n.id);
  base = new Date(Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE);
  // A fixed pseudo-random sequence, so a failure can be replayed.
  let seed = 42;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 100;
  const samples = [];
  for (let minute = 0; minute < 20; minute++) {
    for (const node of nodeIds) {
      for (let tick = 0; tick < 6; tick++) {
        const at = base.getTime() + minute * MINUTE + tick * 10_000 + ((node * 7 + tick) % 9) * 100;
        samples.push({
          node_id: node,
          timestamp: new Date(at).toISOString(),
          latency_ms: next() + 0.123456789,
          throughput_gbps: next() / 7,
          error_rate: next() / 1000,
        });
      }
    }
  }
  await api.http
    .post(`/deployments/${d.id}/telemetry`)
    .send({ samples })
    .expect(202, { accepted: 600 });
});

afterAll(async () => {
  await api?.stop();
  await db?.end();
});

interface Bucket {
  timestamp: string;
  avg: number;
  p95: number | null;
  max: number;
  count: number;
}

const at = (minutes: number, seconds = 0) =>
  new Date(base.getTime() + minutes * MINUTE + seconds * 1000);

/** The plain computation over the raw samples, as the seed's endpoint did it. */
async function rawSeries(
  metric: string,
  bucket: string,
  start: Date,
  end: Date,
  nodeId?: number,
): Promise<Bucket[]> {
  const { rows } = await db.query(
    `SELECT date_bin($2::interval, "timestamp", timestamptz '1970-01-01Z') AS t,
            avg(${metric}) AS avg, max(${metric}) AS max, count(*)::int AS count,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY ${metric}) AS p95
     FROM telemetry_samples
     WHERE deployment_id = $1 AND "timestamp" >= $3 AND "timestamp" < $4
       AND ($5::int IS NULL OR node_id = $5)
     GROUP BY 1 ORDER BY 1`,
    [deploymentId, bucket, start, end, nodeId ?? null],
  );
  return rows.map((r) => ({
    timestamp: r.t.toISOString(),
    avg: r.avg,
    p95: r.p95,
    max: r.max,
    count: r.count,
  }));
}

async function served(query: Record<string, string | number>) {
  return api.http.get(`/deployments/${deploymentId}/telemetry/series`).query(query);
}

/** avg equal to rounding, max and count exact; p95 as the bucket width allows. */
function expectSameBuckets(got: Bucket[], want: Bucket[], withP95: boolean) {
  expect(got.map((b) => [b.timestamp, b.max, b.count])).toEqual(
    want.map((b) => [b.timestamp, b.max, b.count]),
  );
  got.forEach((b, i) => {
    expect(Math.abs(b.avg - want[i].avg)).toBeLessThanOrEqual(1e-9 * Math.max(1, want[i].avg));
    expect(b.p95).toEqual(withP95 ? want[i].p95 : null);
  });
}

// Every row has four entries: jest takes a missing one for a done callback.
const SPANS: [string, string, string, number | null][] = [
  ['latency_ms', '1m', '1 minute', null],
  ['latency_ms', '5m', '5 minutes', 1],
  ['throughput_gbps', '15m', '15 minutes', null],
  ['error_rate', '1h', '1 hour', 3],
  ['latency_ms', '1d', '1 day', null],
];

describe('series of a minute or more from the rollups', () => {
  it.each(SPANS)(
    '%s in %s buckets over whole minutes equals the raw computation',
    async (metric, bucket, interval, node) => {
      const nodeId = node === null ? undefined : nodeIds[node];
      const query: Record<string, string | number> = {
        metric,
        bucket,
        start_time: at(0).toISOString(),
        end_time: at(20).toISOString(),
      };
      if (nodeId !== undefined) query.node_id = nodeId;
      // 600 samples are over the raw bound: only the rollups can answer this.
      const res = await served(query);
      expect(res.status).toBe(200);
      const want = await rawSeries(metric, interval, at(0), at(20), nodeId);
      expect(want.length).toBeGreaterThan(0);
      expectSameBuckets(res.body.buckets, want, false);
    },
  );

  it('reads the minutes a range cuts from the samples and still equals the raw computation', async () => {
    for (const [start, end] of [
      [at(2, 25), at(12, 35)],
      [at(4, 59), at(5, 1)],
      [at(0, 5), at(0, 55)],
    ]) {
      const res = await served({
        bucket: '1m',
        start_time: start.toISOString(),
        end_time: end.toISOString(),
      });
      expect(res.status).toBe(200);
      expectSameBuckets(
        res.body.buckets,
        await rawSeries('latency_ms', '1 minute', start, end),
        false,
      );
    }
  });

  it('keeps p95 for 10-second buckets, read raw within MAX_SERIES_RAW_SAMPLES', async () => {
    const node = nodeIds[2];
    const res = await served({
      bucket: '10s',
      node_id: node,
      start_time: at(0).toISOString(),
      end_time: at(20).toISOString(),
    });
    expect(res.status).toBe(200);
    const want = await rawSeries('latency_ms', '10 seconds', at(0), at(20), node);
    expect(res.body.buckets).toHaveLength(120);
    expectSameBuckets(res.body.buckets, want, true);
  });

  it('refuses with 422 and a hint a request that would read more raw samples than allowed', async () => {
    const res = await served({
      bucket: '10s',
      start_time: at(0).toISOString(),
      end_time: at(20).toISOString(),
    });
    expectError(
      res.body,
      422,
      new RegExp(
        `would read about 600 raw samples, more than MAX_SERIES_RAW_SAMPLES \\(${RAW_LIMIT}\\); ask for bucket=1m or wider .* or one node \\(node_id\\)`,
      ),
    );
    // Within the bound, the same request for a shorter range is served.
    await served({
      bucket: '10s',
      start_time: at(0).toISOString(),
      end_time: at(4).toISOString(),
    }).then((r) => expect(r.status).toBe(200));
  });

  it('reads whole minutes from the rollups alone', async () => {
    const before = (
      await served({ start_time: at(0).toISOString(), end_time: at(20).toISOString() })
    ).body.buckets as Bucket[];
    // Behind the API's back: the raw samples of one minute vanish, its rollup stays.
    await db.query(
      `DELETE FROM telemetry_samples WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3`,
      [deploymentId, at(7), at(8)],
    );
    const after = (
      await served({ start_time: at(0).toISOString(), end_time: at(20).toISOString() })
    ).body.buckets as Bucket[];
    expect(after).toEqual(before);
    const raw = await served({
      bucket: '10s',
      start_time: at(7).toISOString(),
      end_time: at(8).toISOString(),
    });
    expect(raw.body.buckets).toEqual([]);
  });
});
