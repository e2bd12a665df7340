import { Pool } from 'pg';
import { AnalysisWindow, splitWindow } from '../../src/domain/analysis-window';
import { METRICS } from '../../src/domain/telemetry-metrics';
import { runWindow } from '../../src/analytics/bottleneck-window-sql';
import { WindowRow } from '../../src/analytics/window-parts';
import { ROLE_WINDOW_SQL, WINDOW_SETTINGS } from '../../src/analytics/window-sql';
import { cleanUp, startWithPool } from '../support/suite';
import { foldUpTo, marksOf } from '../support/prefix-folds';
import { Service } from '../support/service';
import * as windows from '../support/window-statements';
import { expectSame, RAW_MOMENTS, RAW_NODE_METRICS, withGaps } from './window-runs';

/**
 * The window statements by role run directly at chosen window ends, against the raw samples
 * grouped by role: groups of 64 nodes of one role read from group rollups and groups that mix
 * roles node by node, the leading minute from 10-second moments per role or raw, whole minutes
 * from running sums or rollups, the trailing minute cut by later samples, one part or two.
 */
let api: Service;
let db: Pool;
const MINUTE = 60_000;
const HOUR = 3_600_000;
// Queues of its own: its workers' schedules never reach another suite.
const PREFIX = `${process.env.QUEUE_PREFIX}_role_window`;
const NAME = `role-window-${process.pid}-${Date.now().toString(36)}`;

beforeAll(async () => {
  ({ api, db } = await startWithPool({ QUEUE_PREFIX: PREFIX }));
});

afterAll(() => cleanUp({ service: api, db, name: NAME, prefix: PREFIX }));

async function byRole(w: AnalysisWindow, base: unknown[], parts: 1 | 2): Promise<WindowRow[]> {
  const { result, connections } = await windows.inSnapshot(db, (first, open) =>
    runWindow(first, async (begin) => (parts === 2 ? open(begin) : null), w, base, true, 0),
  );
  expect(result).not.toBeNull();
  expect(result!.byRole).toBe(true);
  expect(connections).toBe(parts);
  return result!.rows;
}

async function generalPath(w: AnalysisWindow, deploymentId: number, minSamples: number) {
  const c = await db.connect();
  try {
    await c.query('BEGIN');
    await c.query(WINDOW_SETTINGS);
    const { rows } = await c.query(ROLE_WINDOW_SQL, [
      deploymentId,
      w.from,
      w.to,
      w.wholeFrom,
      w.wholeTo,
      minSamples,
    ]);
    return rows as WindowRow[];
  } finally {
    await c.query('ROLLBACK');
    c.release();
  }
}

/** Summary rows per role against the raw samples' moments per role. */
function expectSummaries(label: string, rows: WindowRow[], all: Record<string, number>[]) {
  const summaries = rows.filter((r) => r.node_id === null);
  expect({ label, roles: summaries.map((r) => r.role).sort() }).toEqual({
    label,
    roles: all.map((a) => a.role).sort(),
  });
  for (const ref of all) {
    const summary = summaries.find((r) => r.role === (ref.role as unknown as string))!;
    for (const m of METRICS) {
      const [count, sum, m2] = summary[`all_${m}`]!;
      expect({ label, role: ref.role, m, count }).toEqual({
        label,
        role: ref.role,
        m,
        count: ref[`${m}_n`],
      });
      expectSame(sum / count, ref[`${m}_mean`], 1e-9);
      expectSame(m2, ref[`${m}_m2`], 1e-9);
    }
  }
}

/** Every window end against the raw samples by role; counts the kinds of read covered. */
async function expectWindowsMatchRaw(deploymentId: number, ends: number[]) {
  const seen = { complemented: 0, prefixed: 0, buckets: 0 };
  for (const to of ends) {
    const w = splitWindow(new Date(to), 10);
    const { rows: raw } = await db.query(
      `SELECT s.node_id, n.role, count(*)::int AS n, ${RAW_NODE_METRICS('s.')}
       FROM telemetry_samples s JOIN nodes n ON n.id = s.node_id
       WHERE s.deployment_id = $1 AND s."timestamp" >= $2 AND s."timestamp" <= $3
       GROUP BY s.node_id, n.role ORDER BY s.node_id`,
      [deploymentId, w.from, w.to],
    );
    const { rows: all } = await db.query(
      `SELECT n.role, count(*)::int AS n, ${RAW_MOMENTS('s.')}
       FROM telemetry_samples s JOIN nodes n ON n.id = s.node_id
       WHERE s.deployment_id = $1 AND s."timestamp" >= $2 AND s."timestamp" <= $3
       GROUP BY n.role`,
      [deploymentId, w.from, w.to],
    );
    windows.countReads(seen, await windows.windowReads(db, deploymentId, w));
    const base = windows.windowBase(deploymentId, w);
    for (const parts of [1, 2] as const) {
      const result = await byRole(w, base, parts);
      const label = `to=${new Date(to).toISOString()} parts=${parts}`;
      const got = result.filter((r) => r.node_id !== null).sort((a, b) => a.node_id! - b.node_id!);
      expect({ label, nodes: got.map((r) => [r.node_id, r.role, r.n]) }).toEqual({
        label,
        nodes: raw.map((r) => [r.node_id, r.role, r.n]),
      });
      got.forEach((r, i) => {
        expect(r.metric_samples).toEqual(METRICS.map((m) => raw[i][`${m}_n`]));
        for (const m of METRICS) expectSame(r[m], raw[i][m], 1e-12);
      });
      for (const s of result.filter((r) => r.node_id === null)) {
        expect(s.n).toBe(0);
        expect(s.analysed).toBe(raw.filter((r) => r.role === s.role).length);
      }
      expectSummaries(label, result, all);
    }
    // The general path (min_samples): the same moments per role, from the analysed nodes only.
    const general = await generalPath(w, deploymentId, 1);
    expectSummaries(`${new Date(to).toISOString()} general`, general, all);
    const strict = await generalPath(w, deploymentId, 200);
    expect(strict.filter((r) => r.node_id !== null)).toEqual([]);
    expect(strict.reduce((sum, r) => sum + r.n, 0)).toBe(raw.length);
  }
  return seen;
}

// Two workers are started and each waits for a fold (every 10 s): on a loaded machine that
// outlasts jest's default time for a test.
jest.setTimeout(600_000);

describe('bottleneck window statements by role', () => {
  it('equal raw samples by role at every edge position: pure and mixed groups, running sums, late samples, a node delete', async () => {
    // 3 spines, 2 border leaves and 200 leaves: spines and border leaves share a group with
    // leaves; later groups hold leaves only, and one of them is made all border leaves below.
    const created = await api.http
      .post('/deployments')
      .send({ name: NAME, topology: { spines: 3, leaves: 200, border_leaves: 2 } })
      .expect(201);
    const d = created.body as { id: number };
    const { rows: nodes } = await db.query(
      `SELECT id, seq, role FROM nodes WHERE deployment_id = $1 ORDER BY seq`,
      [d.id],
    );
    // A whole 64-node group of leaves becomes border leaves: a pure group of a role that is
    // not leaf (behind the API's back: only the statement is under test here).
    const groups = new Map<number, number[]>();
    for (const n of nodes) groups.set(n.id >> 6, [...(groups.get(n.id >> 6) ?? []), n.id]);
    const full = [...groups.values()].filter((ids) => ids.length === 64);
    expect(full.length).toBeGreaterThanOrEqual(2);
    await db.query(`UPDATE nodes SET role = 'border-leaf' WHERE id = ANY($1::int[])`, [full[1]]);

    const hour = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
    const end = hour + 5 * MINUTE;
    const start = end - 12 * MINUTE;
    const random = windows.seededRandom(11);
    const rows: unknown[][] = [];
    nodes.forEach((node, i) => {
      const spine = node.role === 'spine';
      for (let t = start + (i % 5) * 1000; t < end; t += 10_000) {
        const second = (t % MINUTE) / 1000;
        if (i === 0 && second >= 8) continue;
        if (i === 4 && second < 52) continue;
        // Some samples lack a metric (withGaps), spines' too.
        rows.push([
          node.id,
          new Date(t).toISOString(),
          ...withGaps(
            i,
            [
              (i % 7 === 3 ? 60 : 10) + random() * 5 + (spine ? 4 : 0),
              (spine ? 36 : 9) + random(),
              random() * (i % 7 === 3 ? 2 : 0.5),
            ],
            random,
          ),
        ]);
      }
    });
    const insert = (batch: unknown[][]) => windows.insertSamples(db, d.id, batch);
    for (let i = 0; i < rows.length; i += 5000) await insert(rows.slice(i, i + 5000));

    const ends: number[] = [];
    for (let k = 0; k <= 12; k++) ends.push(end - 90_000 + k * 5000, end + k * 5000);

    expect(await marksOf(db, d.id)).toBeNull();
    const unfolded = await expectWindowsMatchRaw(d.id, ends);
    expect(unfolded.prefixed).toBe(0);
    expect(unfolded.complemented).toBeGreaterThan(4);

    await foldUpTo(db, d.id, end, { QUEUE_PREFIX: PREFIX });
    const folded = await expectWindowsMatchRaw(d.id, ends);
    expect(folded.prefixed).toBe(ends.length);
    expect(folded.buckets).toBeGreaterThan(ends.length / 2);
    const { rows: roleBuckets } = await db.query(
      `SELECT DISTINCT role FROM telemetry_prefix_role_buckets WHERE deployment_id = $1`,
      [d.id],
    );
    expect(roleBuckets.map((r) => r.role).sort()).toEqual(['border-leaf', 'leaf', 'spine']);

    // A late sample in a folded minute, and one stamped after the data that cuts the trailing
    // minute of the later window ends.
    const late = hour + MINUTE + 30_000;
    await insert([
      [nodes[1].id, new Date(late).toISOString(), 500, 1, 5],
      [nodes[150].id, new Date(end + 30_000).toISOString(), 700, 1, 5],
    ]);
    await expectWindowsMatchRaw(d.id, ends);

    // A deleted spine leaves every read, and its links go with it.
    await api.http.delete(`/deployments/${d.id}/nodes/${nodes[2].id}`).expect(204);
    await expectWindowsMatchRaw(d.id, ends);
    await foldUpTo(db, d.id, end, { QUEUE_PREFIX: PREFIX });
    await expectWindowsMatchRaw(d.id, ends);
    const { rows: links } = await db.query(
      `SELECT count(*)::int AS n FROM links WHERE a_node_id = $1 OR b_node_id = $1`,
      [nodes[2].id],
    );
    expect(links[0].n).toBe(0);
    await api.http.delete(`/deployments/${d.id}`).expect(204);
  });
});
