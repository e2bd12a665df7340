import { Pool, PoolClient } from 'pg';
import { METRICS, splitWindow } from '../../src/analytics/bottleneck-detector';
import {
  GROUPED_WINDOW_SQL,
  mergeParts,
  WINDOW_SETTINGS,
  WindowRow,
} from '../../src/analytics/window-sql';
import { testPool } from '../utils/database';
import { createDeployment, listNodes } from '../utils/http';
import { Service, startService } from '../utils/service';

/**
 * The bottleneck window statement run directly at chosen window ends, so every position of the
 * window edge inside its minute is covered: the leading partial minute read directly and as its
 * rollup minus the samples before the window, the trailing minute whole and cut by later
 * samples, and the statement whole and split across two connections over one snapshot.
 */
let api: Service;
let db: Pool;

beforeAll(async () => {
  api = await startService({ APP_ROLE: 'api' });
  db = testPool();
});

afterAll(async () => {
  await db?.end();
  await api?.stop();
});

interface RawNode {
  node_id: number;
  n: number;
  last_epoch: number;
  latency_ms: number;
  throughput_gbps: number;
  error_rate: number;
}

async function inTransaction<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  try {
    await client.query(WINDOW_SETTINGS);
    return await work();
  } finally {
    await client.query('ROLLBACK');
  }
}

/** GROUPED_WINDOW_SQL as one statement, or as two parts over one exported snapshot. */
async function grouped(params: unknown[], parts: 1 | 2): Promise<WindowRow[]> {
  const first = await db.connect();
  const second = await db.connect();
  try {
    if (parts === 1)
      return await inTransaction(first, async () => {
        return (await first.query(GROUPED_WINDOW_SQL, [...params, 1, 0])).rows;
      });
    await first.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const {
      rows: [{ snapshot }],
    } = await first.query(`${WINDOW_SETTINGS}, pg_export_snapshot() AS snapshot`);
    await second.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await second.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
    await second.query(WINDOW_SETTINGS);
    const results = await Promise.all([
      first.query(GROUPED_WINDOW_SQL, [...params, 2, 0]),
      second.query(GROUPED_WINDOW_SQL, [...params, 2, 1]),
    ]);
    await Promise.all([first.query('ROLLBACK'), second.query('ROLLBACK')]);
    return mergeParts(results.map((r) => r.rows));
  } finally {
    first.release();
    second.release();
  }
}

describe('bottleneck window statement', () => {
  it('equals raw samples at every edge position, whole and split across two connections', async () => {
    const d = await createDeployment(api, { target_node_count: 24 });
    const nodes = await listNodes(api, d.id);
    // Twelve minutes of samples every 5 s ending at a minute boundary 15 minutes ago, offset per
    // node so samples fall at every second. Node 0 reports only in the first 8 s of each minute,
    // node 1 only in the last 8 s, and node 2 only in the first 8 s of one minute that the window start sweeps,
    // so its leading minute can net to nothing.
    const end = Math.floor(Date.now() / 60_000) * 60_000 - 15 * 60_000;
    const start = end - 12 * 60_000;
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const rows: unknown[][] = [];
    nodes.forEach((node, i) => {
      for (let t = start + (i % 5) * 1000; t < end; t += 5000) {
        const second = (t % 60_000) / 1000;
        if (i === 0 && second >= 8) continue;
        if (i === 1 && second < 52) continue;
        if (i === 2 && (t < end - 11 * 60_000 || t >= end - 10 * 60_000 || second >= 8)) continue;
        const slow = i % 6 === 5;
        rows.push([
          node.id,
          new Date(t).toISOString(),
          (slow ? 60 : 10) + random() * 5,
          (slow ? 3 : 9) + random(),
          random() * (slow ? 2 : 0.5),
        ]);
      }
    });
    await db.query(
      `INSERT INTO telemetry_samples (deployment_id, node_id, "timestamp", latency_ms, throughput_gbps, error_rate)
       SELECT $1, r[1]::int, r[2]::timestamptz, r[3]::float8, r[4]::float8, r[5]::float8
       FROM jsonb_array_elements($2::jsonb) AS e, LATERAL (SELECT ARRAY(SELECT jsonb_array_elements_text(e))) AS a(r)`,
      [d.id, JSON.stringify(rows)],
    );

    // Window ends 90 s before the last sample (the trailing minute is cut by later samples) and
    // after it, at every 2.5 s of a minute: the window start sweeps its whole minute.
    const ends: number[] = [];
    for (let k = 0; k <= 24; k++) ends.push(end - 90_000 + k * 2500, end + k * 2500);
    let complemented = 0;
    for (const to of ends) {
      const w = splitWindow(new Date(to), 10);
      if (w.leadByComplement) complemented++;
      const { rows: raw }: { rows: RawNode[] } = await db.query(
        `SELECT node_id, count(*)::int AS n, extract(epoch FROM max("timestamp"))::float8 AS last_epoch,
                ${METRICS.map((m) => `avg(${m}) AS ${m}`).join(', ')}
         FROM telemetry_samples
         WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" <= $3
         GROUP BY node_id ORDER BY node_id`,
        [d.id, w.from, w.to],
      );
      const { rows: all } = await db.query(
        `SELECT count(*)::int AS n, ${METRICS.map((m) => `avg(${m}) AS ${m}_mean, var_pop(${m}) * count(*) AS ${m}_m2`).join(', ')}
         FROM telemetry_samples
         WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" <= $3`,
        [d.id, w.from, w.to],
      );
      const params = [d.id, w.from, w.to, w.wholeFrom, w.wholeTo, 1, null];
      for (const parts of [1, 2] as const) {
        const result = await grouped([...params, w.leadMinute, w.leadByComplement], parts);
        const label = `to=${new Date(to).toISOString()} parts=${parts}`;
        const got = result
          .filter((r) => r.node_id !== null)
          .sort((a, b) => a.node_id! - b.node_id!);
        expect({ label, nodes: got.map((r) => [r.node_id, r.n]) }).toEqual({
          label,
          nodes: raw.map((r) => [r.node_id, r.n]),
        });
        got.forEach((r, i) => {
          expect(r.last_epoch).toBeCloseTo(raw[i].last_epoch, 3);
          for (const m of METRICS)
            expect(Math.abs(r[m]! - raw[i][m]) / Math.abs(raw[i][m])).toBeLessThan(1e-12);
        });
        const summary = result.find((r) => r.node_id === null)!;
        expect(summary.n).toBe(0);
        expect(summary.analysed).toBe(raw.length);
        for (const m of METRICS) {
          const [count, sum, m2] = summary[`all_${m}`]!;
          expect(count).toBe(all[0].n);
          expect(sum / count).toBeCloseTo(all[0][`${m}_mean`], 9);
          expect(Math.abs(m2 - all[0][`${m}_m2`]) / all[0][`${m}_m2`]).toBeLessThan(1e-9);
        }
      }
    }
    // Both ways of reading the leading minute were taken.
    expect(complemented).toBeGreaterThan(10);
    expect(complemented).toBeLessThan(ends.length - 10);
  });
});
