import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { Pool, PoolClient } from 'pg';
import { testPool } from '../support/database';
import { createDeployment } from '../support/deployments';
import { settledNodes } from '../support/node-states';
import { pollUntil } from '../support/poll';
import { Service, startService } from '../support/service';

const INTERVAL_MS = 600;
const WORKER_ENV = {
  APP_ROLE: 'worker',
  TELEMETRY_INTERVAL_MS: String(INTERVAL_MS),
  SIM_TIME_SCALE: '0.02',
  SIM_FAILURE_RATE: '0.3',
};

let api: Service;
let workers: Service[] = [];
let db: Pool;
let telemetryQueue: Queue;
let maintenanceQueue: Queue;

async function dbNow(): Promise<Date> {
  const { rows } = await db.query<{ now: Date }>(`SELECT clock_timestamp() AS now`);
  return rows[0].now;
}

beforeAll(async () => {
  db = testPool();
  api = await startService({ APP_ROLE: 'api', TELEMETRY_INTERVAL_MS: String(INTERVAL_MS) });
  workers = await Promise.all([startService(WORKER_ENV), startService(WORKER_ENV)]);
  const connection = { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' };
  const prefix = process.env.QUEUE_PREFIX;
  telemetryQueue = new Queue('telemetry', { connection, prefix });
  maintenanceQueue = new Queue('maintenance', { connection, prefix });
});

afterAll(async () => {
  await Promise.all([...workers, api].map((s) => s?.stop()));
  await telemetryQueue?.close();
  await maintenanceQueue?.close();
  await db?.end();
});

describe('scheduled telemetry collection', () => {
  let deploymentId: number;
  let running: number[];
  let failed: number[];

  beforeAll(async () => {
    deploymentId = (await createDeployment(api, { target_node_count: 40 })).id;
    ({ running, failed } = await settledNodes(db, deploymentId));
    // Several ticks after the last node settled (a busy machine skips some: wait for them).
    await pollUntil(
      async () => {
        const { rows } = await db.query<{ ticks: number }>(
          `SELECT count(DISTINCT "timestamp")::int AS ticks FROM telemetry_samples
           WHERE deployment_id = $1 AND "timestamp" > (
             SELECT max(state_changed_at) FROM nodes WHERE deployment_id = $1) + $2 * interval '1 millisecond'`,
          [deploymentId, INTERVAL_MS],
        );
        return rows[0].ticks >= 3 ? true : undefined;
      },
      'three ticks after the rollout settled',
      { timeoutMs: 60_000 },
    );
  });

  it('gives every RUNNING node one sample per tick and other nodes none', async () => {
    expect(running.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    const { rows: lastChange } = await db.query<{ at: Date }>(
      `SELECT max(state_changed_at) AS at FROM nodes WHERE deployment_id = $1`,
      [deploymentId],
    );
    const { rows: ticks } = await db.query<{ ts: Date; nodes: number[] }>(
      `SELECT "timestamp" AS ts, array_agg(node_id ORDER BY node_id) AS nodes
       FROM telemetry_samples WHERE deployment_id = $1 AND "timestamp" > $2
       GROUP BY 1 ORDER BY 1`,
      [deploymentId, new Date(lastChange[0].at.getTime() + INTERVAL_MS)],
    );
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    for (const tick of ticks) expect(tick.nodes).toEqual(running);
    // Ticks sit on the scheduler's grid: whole intervals apart.
    for (let i = 1; i < ticks.length; i++) {
      expect((ticks[i].ts.getTime() - ticks[i - 1].ts.getTime()) % INTERVAL_MS).toBe(0);
    }
    const { rows: fromFailed } = await db.query(
      `SELECT count(*)::int AS n FROM telemetry_samples WHERE node_id = ANY($1::int[])`,
      [failed],
    );
    expect(fromFailed[0].n).toBe(0);
  });

  it('starts reporting within an interval or two of a node reaching RUNNING', async () => {
    const { rows } = await db.query<{ lag_ms: number }>(
      `SELECT n.id, extract(epoch FROM min(s."timestamp") - n.state_changed_at) * 1000 AS lag_ms
       FROM nodes n JOIN telemetry_samples s ON s.node_id = n.id
       WHERE n.deployment_id = $1 AND n.state = 'RUNNING'
       GROUP BY n.id, n.state_changed_at`,
      [deploymentId],
    );
    expect(rows).toHaveLength(running.length);
    // The tick whose shard read the nodes just before the commit reports one interval later.
    for (const r of rows) expect(Number(r.lag_ms)).toBeLessThanOrEqual(2 * INTERVAL_MS);
  });

  it('never stores two samples of one node for one tick, even when a shard job runs twice', async () => {
    const { rows: one } = await db.query<{ ts: Date }>(
      `SELECT max("timestamp") AS ts FROM telemetry_samples WHERE deployment_id = $1`,
      [deploymentId],
    );
    const tickAt = one[0].ts.getTime();
    // The same shard and tick under a fresh job id: what a stalled job picked up again looks like.
    const job = await telemetryQueue.add(
      'collect-telemetry-shard',
      { deploymentId, shard: 0, tickAt },
      { jobId: `replay-${deploymentId}-${tickAt}` },
    );
    await pollUntil(
      async () => ((await job.isCompleted()) ? true : undefined),
      'the replayed shard job',
    );
    // This suite's collected fleet only: other suites of the run push samples of their own
    // (a device may push one node and instant twice).
    const { rows: dupes } = await db.query(
      `SELECT node_id, "timestamp", count(*) FROM telemetry_samples WHERE deployment_id = $1
       GROUP BY 1, 2 HAVING count(*) > 1`,
      [deploymentId],
    );
    expect(dupes).toEqual([]);
    expect((await telemetryQueue.getJob(job.id!))?.returnvalue).toEqual({ stored: 0 });
  });

  it('shares the ticks between both workers', async () => {
    // Which worker takes a job is BullMQ's choice; over a few ticks both take ticks and shards.
    // Only this suite's two workers count: the run's queue prefix also holds jobs that earlier
    // suites' workers completed.
    const ours = new Set(workers.map((w) => `:${w.child.pid}`));
    const mine = (by: string | undefined) => [...ours].some((suffix) => by?.endsWith(suffix));
    const taken = await pollUntil(
      async () => {
        const jobs = await telemetryQueue.getJobs(['completed'], 0, 1000);
        const by = (name: string) =>
          new Set(
            jobs.filter((j) => j.name === name && mine(j.processedBy)).map((j) => j.processedBy),
          );
        const ticks = by('telemetry-tick');
        const shards = by('collect-telemetry-shard');
        return ticks.size === 2 && shards.size === 2 ? { ticks, shards } : undefined;
      },
      'both workers to take ticks and shard jobs',
      { timeoutMs: 60_000 },
    );
    expect(taken.ticks).toEqual(taken.shards);
  });

  it('stops a node at the next tick once it leaves RUNNING or is deleted', async () => {
    const [leaving, deleted] = running;
    await db.query(`UPDATE nodes SET state = 'FAILED' WHERE id = $1`, [leaving]);
    await db.query(`DELETE FROM nodes WHERE id = $1`, [deleted]);
    const changedAt = await dbNow();
    // The other nodes go on: two ticks of theirs after the change.
    const ticksSince = async (since: Date) => {
      const { rows } = await db.query<{ ticks: number }>(
        `SELECT count(DISTINCT "timestamp")::int AS ticks FROM telemetry_samples
         WHERE deployment_id = $1 AND "timestamp" > $2`,
        [deploymentId, since],
      );
      return rows[0].ticks;
    };
    const others = await pollUntil(() => ticksSince(changedAt), 'two ticks after the change', {
      until: (ticks) => ticks >= 2,
    });
    const { rows } = await db.query(
      `SELECT node_id, count(*)::int AS n FROM telemetry_samples
       WHERE node_id = ANY($1::int[]) AND "timestamp" > $2 GROUP BY 1`,
      [[leaving, deleted], changedAt],
    );
    expect(rows).toEqual([]);
    expect(others).toBeGreaterThanOrEqual(2);
  });

  it('skips and counts a tick while the previous one is still writing', async () => {
    const before = (await api.http.get('/health').expect(200)).body.telemetry;
    expect(before.ticks).toBeGreaterThan(0);
    expect(before.last_tick_nodes).toBeGreaterThan(0);
    // A delete in progress holds the deployment: this tick's shard cannot commit meanwhile.
    const blocker: PoolClient = await db.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM deployments WHERE id = $1 FOR UPDATE`, [deploymentId]);
      const during = await pollUntil(
        async () => (await api.http.get('/health').expect(200)).body.telemetry,
        'two ticks skipped while the shard is held',
        { until: (t) => t.skipped_ticks >= before.skipped_ticks + 2 },
      );
      expect(during.skipped_ticks).toBeGreaterThanOrEqual(before.skipped_ticks + 2);
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    const resumed = await dbNow();
    const ticks = await pollUntil(
      async () => {
        const { rows } = await db.query<{ ticks: number }>(
          `SELECT count(DISTINCT "timestamp")::int AS ticks FROM telemetry_samples
           WHERE deployment_id = $1 AND "timestamp" > $2`,
          [deploymentId, resumed],
        );
        return rows[0].ticks;
      },
      'a tick stored after the shard is released',
      { until: (n) => n >= 1 },
    );
    expect(ticks).toBeGreaterThanOrEqual(1);
    const { rows: dupes } = await db.query(
      `SELECT node_id, "timestamp" FROM telemetry_samples WHERE deployment_id = $1
       GROUP BY 1, 2 HAVING count(*) > 1`,
      [deploymentId],
    );
    expect(dupes).toEqual([]);
  });

  it('serves pushed and collected samples together in queries and series', async () => {
    const node = running[2];
    const now = await dbNow();
    const pushedAt = new Date(now.getTime() - 90_000);
    await api.http
      .post(`/deployments/${deploymentId}/telemetry`)
      .send({
        samples: [
          {
            node_id: node,
            timestamp: pushedAt.toISOString(),
            latency_ms: 123.5,
            throughput_gbps: 1,
            error_rate: 7,
          },
        ],
      })
      .expect(202, { accepted: 1 });

    const list = await api.http
      .get(`/deployments/${deploymentId}/telemetry`)
      .query({ node_id: node, limit: 1000 })
      .expect(200);
    const stamps = list.body.samples.map((s: { timestamp: string }) => s.timestamp);
    expect(stamps).toContain(pushedAt.toISOString());
    expect(list.body.samples.length).toBeGreaterThan(3);
    expect(list.body.samples[0].timestamp > pushedAt.toISOString()).toBe(true);

    const start = new Date(pushedAt.getTime() - 60_000);
    const end = new Date(now.getTime() + 1000);
    const series = await api.http
      .get(`/deployments/${deploymentId}/telemetry/series`)
      .query({
        metric: 'latency_ms',
        bucket: '1m',
        node_id: node,
        start_time: start.toISOString(),
        end_time: end.toISOString(),
      })
      .expect(200);
    const { rows: expected } = await db.query(
      `SELECT date_bin('1 minute', "timestamp", timestamptz '1970-01-01Z') AS t,
              avg(latency_ms) AS avg, max(latency_ms) AS max, count(*)::int AS count
       FROM telemetry_samples WHERE node_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3
       GROUP BY 1 ORDER BY 1`,
      [node, start, end],
    );
    expect(series.body).toMatchObject({
      deployment_id: deploymentId,
      node_id: node,
      metric: 'latency_ms',
      bucket: '1m',
      start_time: start.toISOString(),
      end_time: end.toISOString(),
    });
    // Minute buckets come from the rollups (whole minutes) and the samples (cut minutes):
    // the mean to rounding, max and count exactly, no p95.
    expect(series.body.buckets).toEqual(
      expected.map((e) => ({
        timestamp: e.t.toISOString(),
        avg: expect.closeTo(e.avg, 9),
        p95: null,
        max: e.max,
        count: e.count,
      })),
    );
    const pushedBucket = series.body.buckets.find((b: { max: number }) => b.max === 123.5);
    expect(pushedBucket).toBeDefined();

    const wide = await api.http
      .get(`/deployments/${deploymentId}/telemetry/series`)
      .query({ metric: 'error_rate', bucket: '10s' })
      .expect(200);
    expect(wide.body.node_id).toBeNull();
    const total = wide.body.buckets.reduce((sum: number, b: { count: number }) => sum + b.count, 0);
    expect(total).toBeGreaterThan(running.length);
  });

  it('rejects bad series requests with 422 naming the parameter', async () => {
    const url = `/deployments/${deploymentId}/telemetry/series`;
    const bad = await api.http.get(url).query({ metric: 'jitter', bucket: '7s' }).expect(422);
    expect(bad.body.detail).toMatch(/metric must be one of latency_ms/);
    expect(bad.body.detail).toMatch(/bucket must be one of 10s, 1m/);
    const inverted = await api.http
      .get(url)
      .query({ start_time: '2026-11-27T10:00:00Z', end_time: '2026-11-27T09:00:00Z' })
      .expect(422);
    expect(inverted.body.detail).toBe('start_time must be before end_time');
    const tooMany = await api.http
      .get(url)
      .query({
        bucket: '10s',
        start_time: '2026-11-20T00:00:00Z',
        end_time: '2026-11-27T00:00:00Z',
      })
      .expect(422);
    expect(tooMany.body.detail).toMatch(/spans 60480 buckets of 10s; at most 1440/);
    await api.http.get(url).query({ start_time: 'yesterday' }).expect(422);
    await api.http.get(url).query({ node_id: 0 }).expect(422);
    await api.http.get(`/deployments/999999/telemetry/series`).expect(404);
  });
});

describe('telemetry partitions', () => {
  async function partitions(): Promise<string[]> {
    const { rows } = await db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'telemetry_samples'::regclass ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  }
  const dayName = (at: Date) =>
    `telemetry_samples_p${at.toISOString().slice(0, 10).replace(/-/g, '')}`;

  it('creates partitions ahead and drops expired ones as whole tables', async () => {
    const now = await dbNow();
    const ahead = dayName(new Date(now.getTime() + 3 * 86_400_000));
    expect(await partitions()).toContain(ahead);
    // Every partitioned telemetry table gets an expired day (the samples' with a row in it) and
    // loses a day ahead.
    const { rows: tables } = await db.query<{ name: string }>(
      `SELECT DISTINCT p.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       WHERE c.relname ~ '_p[0-9]{8}$' AND p.relname LIKE 'telemetry%'`,
    );
    expect(tables.map((t) => t.name)).toContain('telemetry_samples');
    for (const { name } of tables) {
      await db.query(`DROP TABLE ${ahead.replace('telemetry_samples', name)}`);
      await db.query(
        `CREATE TABLE ${name}_p20200101 PARTITION OF ${name}
         FOR VALUES FROM ('2020-01-01T00:00:00Z') TO ('2020-01-02T00:00:00Z')`,
      );
    }
    await db.query(
      `INSERT INTO telemetry_samples (deployment_id, node_id, "timestamp", latency_ms, throughput_gbps, error_rate)
       VALUES (1, 1, '2020-01-01T12:00:00Z', 1, 1, 0)`,
    );
    const job = await maintenanceQueue.add('maintain-partitions', {});
    await pollUntil(
      async () => ((await job.isCompleted()) ? true : undefined),
      'partition maintenance',
    );
    const after = await partitions();
    expect(after).toContain(ahead);
    expect(after).not.toContain('telemetry_samples_p20200101');
    expect(after).toContain(dayName(now));
    for (const { name } of tables) {
      const { rows: left } = await db.query(
        `SELECT to_regclass($1) AS expired, to_regclass($2) AS ahead`,
        [`${name}_p20200101`, ahead.replace('telemetry_samples', name)],
      );
      expect(left[0]).toEqual({ expired: null, ahead: ahead.replace('telemetry_samples', name) });
    }
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM telemetry_samples WHERE "timestamp" < '2021-01-01'`,
    );
    expect(rows[0].n).toBe(0);
  });
});

describe('device push through the bulk writer', () => {
  it('stores 10,000 samples in one request and rejects a batch with one bad sample whole', async () => {
    const d = await createDeployment(api, { target_node_count: 100 });
    const { rows: nodes } = await db.query<{ id: number }>(
      `SELECT id FROM nodes WHERE deployment_id = $1 ORDER BY seq`,
      [d.id],
    );
    const base = (await dbNow()).getTime() - 600_000;
    const samples = Array.from({ length: 10_000 }, (_, i) => ({
      node_id: nodes[i % nodes.length].id,
      timestamp: new Date(base + i).toISOString(),
      latency_ms: (i % 97) + 0.25,
      throughput_gbps: 9.5,
      error_rate: (i % 100) / 10,
    }));
    const bad = samples.map((s, i) => (i === 9_999 ? { ...s, error_rate: 100.5 } : s));
    const rejected = await api.http
      .post(`/deployments/${d.id}/telemetry`)
      .send({ samples: bad })
      .expect(422);
    expect(rejected.body.detail).toBe('samples[9999].error_rate must be between 0 and 100');
    const foreign = samples.map((s, i) => (i === 4_321 ? { ...s, node_id: 2_000_000 } : s));
    const rejectedForeign = await api.http
      .post(`/deployments/${d.id}/telemetry`)
      .send({ samples: foreign })
      .expect(422);
    expect(rejectedForeign.body.detail).toBe(
      `samples[4321].node_id 2000000 is not a node of deployment ${d.id}`,
    );
    // The pushed instants only: the workers collect the deployment's RUNNING nodes meanwhile.
    const count = async () =>
      (
        await db.query(
          `SELECT count(*)::int AS n FROM telemetry_samples
           WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3`,
          [d.id, new Date(base), new Date(base + 10_000)],
        )
      ).rows[0].n;
    expect(await count()).toBe(0);
    await api.http
      .post(`/deployments/${d.id}/telemetry`)
      .send({ samples })
      .expect(202, { accepted: 10_000 });
    const { rows } = await db.query(
      `SELECT count(*)::int AS n, sum(latency_ms) AS lat FROM telemetry_samples
       WHERE deployment_id = $1 AND "timestamp" < $2`,
      [d.id, new Date(base + 10_000)],
    );
    expect(rows[0].n).toBe(10_000);
    expect(rows[0].lat).toBeCloseTo(
      samples.reduce((sum, s) => sum + s.latency_ms, 0),
      6,
    );
  });
});

describe('Redis loss', () => {
  it('resumes collection after every queue key of the run is deleted', async () => {
    const { rows: running } = await db.query(
      `SELECT count(*)::int AS n FROM nodes WHERE state = 'RUNNING'`,
    );
    expect(running[0].n).toBeGreaterThan(0);
    const client = (await telemetryQueue.backend.client) as unknown as Redis;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(
        cursor,
        'MATCH',
        `${process.env.QUEUE_PREFIX}:*`,
        'COUNT',
        1000,
      );
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    const wiped = await dbNow();
    await pollUntil(
      async () => {
        const { rows } = await db.query(
          `SELECT count(DISTINCT "timestamp")::int AS ticks FROM telemetry_samples
           WHERE "timestamp" > $1`,
          [wiped],
        );
        return rows[0].ticks >= 2 ? true : undefined;
      },
      'collection to resume',
      { timeoutMs: 45_000 },
    );
    // The counters lived under the wiped prefix too; the resumed ticks count again (a tick that
    // was fanning out while the keys were deleted may or may not be among them).
    const health = await pollUntil(async () => {
      const telemetry = (await api.http.get('/health').expect(200)).body.telemetry;
      return telemetry.ticks >= 2 ? telemetry : undefined;
    }, 'health to count the resumed ticks');
    expect(health.ticks).toBeGreaterThanOrEqual(2);
  });
});
