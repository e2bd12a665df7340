import { Pool } from 'pg';
import { AnalysisWindow, splitWindow } from '../../src/domain/analysis-window';
import { METRICS } from '../../src/domain/telemetry-metrics';
import { runGroupedWindow } from '../../src/analytics/bottleneck-window-sql';
import { WindowRow } from '../../src/analytics/window-parts';
import { cleanUp, startWithPool } from '../support/suite';
import { foldUpTo, marksOf } from '../support/prefix-folds';
import { createDeployment, listNodes } from '../support/deployments';
import { Service } from '../support/service';
import * as windows from '../support/window-statements';
import { expectSame, RAW_MOMENTS, RAW_NODE_METRICS, withGaps } from './window-runs';

/**
 * The bottleneck window statement run directly at chosen window ends, so every position of the
 * window edge inside its minute is covered: the leading partial minute read directly and as its
 * minutes minus the samples before the window; whole minutes from hourly running sums (across an
 * hour boundary), from minute rollups past the folded minutes, and the trailing minute whole and
 * cut by later samples; the statement whole and split across two connections over one snapshot.
 */
let api: Service;
let db: Pool;
const MINUTE = 60_000;
const HOUR = 3_600_000;

beforeAll(async () => {
  ({ api, db } = await startWithPool());
});

afterAll(() => cleanUp({ service: api, db }));

/** A node's raw aggregate: each metric's mean (null without any) and count (`<metric>_n`). */
interface RawNode extends Record<string, number | null> {
  node_id: number;
  n: number;
  last_epoch: number;
}

/** GROUPED_WINDOW_SQL as the service runs it: one statement, or two parts over one snapshot. */
async function grouped(w: AnalysisWindow, base: unknown[], parts: 1 | 2): Promise<WindowRow[]> {
  const { result, connections } = await windows.inSnapshot(db, (first, open) =>
    runGroupedWindow(first, async (begin) => (parts === 2 ? open(begin) : null), w, base, 0),
  );
  expect(result).not.toBeNull();
  expect(connections).toBe(parts);
  return result!;
}

/** Every window end against the raw samples, both ways; counts the kinds of read covered. */
async function expectWindowsMatchRaw(deploymentId: number, ends: number[]) {
  const seen = { complemented: 0, prefixed: 0, acrossHours: 0, rollupMinutes: 0, buckets: 0 };
  for (const to of ends) {
    const w = splitWindow(new Date(to), 10);
    const { rows: raw }: { rows: RawNode[] } = await db.query(
      `SELECT node_id, count(*)::int AS n, extract(epoch FROM max("timestamp"))::float8 AS last_epoch,
              ${RAW_NODE_METRICS('')}
       FROM telemetry_samples
       WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" <= $3
       GROUP BY node_id ORDER BY node_id`,
      [deploymentId, w.from, w.to],
    );
    const {
      rows: [all],
    } = await db.query(
      `SELECT count(*)::int AS n, ${RAW_MOMENTS('')}
       FROM telemetry_samples
       WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" <= $3`,
      [deploymentId, w.from, w.to],
    );
    windows.countReads(seen, await windows.windowReads(db, deploymentId, w));
    const base = windows.windowBase(deploymentId, w);
    for (const parts of [1, 2] as const) {
      const result = await grouped(w, base, parts);
      const label = `to=${new Date(to).toISOString()} parts=${parts}`;
      const got = result.filter((r) => r.node_id !== null).sort((a, b) => a.node_id! - b.node_id!);
      expect({ label, nodes: got.map((r) => [r.node_id, r.n]) }).toEqual({
        label,
        nodes: raw.map((r) => [r.node_id, r.n]),
      });
      got.forEach((r, i) => {
        expect(r.last_epoch).toBeCloseTo(raw[i].last_epoch, 3);
        expect(r.metric_samples).toEqual(METRICS.map((m) => raw[i][`${m}_n`]));
        for (const m of METRICS) expectSame(r[m], raw[i][m], 1e-12);
      });
      const summary = result.find((r) => r.node_id === null)!;
      expect(summary.n).toBe(0);
      expect(summary.analysed).toBe(raw.length);
      expect(Number(summary.samples)).toBe(all.n);
      for (const m of METRICS) {
        const [count, sum, m2] = summary[`all_${m}`]!;
        expect(count).toBe(all[`${m}_n`]);
        expect(sum / count).toBeCloseTo(all[`${m}_mean`], 9);
        expect(Math.abs(m2 - all[`${m}_m2`]) / all[`${m}_m2`]).toBeLessThan(1e-9);
      }
    }
  }
  return seen;
}

// Two workers are started and each waits for a fold (every 10 s): on a loaded machine that
// outlasts jest's default time for a test.
jest.setTimeout(300_000);

describe('bottleneck window statement', () => {
  it('equals raw samples at every edge position: rollups, running sums, late samples, a node delete', async () => {
    const d = await createDeployment(api, { target_node_count: 24 });
    const nodes = await listNodes(api, d.id);
    // Twelve minutes of samples every 5 s across the top of the previous hour, offset per node
    // so samples fall at every second. Node 0 reports only in the first 8 s of each minute,
    // node 1 only in the last 8 s, and node 2 only in the first 8 s of one minute that the
    // window start sweeps, so its leading minute can net to nothing.
    const hour = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
    const end = hour + 5 * MINUTE;
    const start = end - 12 * MINUTE;
    const random = windows.seededRandom(7);
    // Some samples lack a metric (withGaps); node 3 and the late samples below have them all.
    const sample = (nodeId: number, t: number, slow: boolean, index = 3) => [
      nodeId,
      new Date(t).toISOString(),
      ...withGaps(
        index,
        [(slow ? 60 : 10) + random() * 5, (slow ? 3 : 9) + random(), random() * (slow ? 2 : 0.5)],
        index === 3 ? () => 1 : random,
      ),
    ];
    const rows: unknown[][] = [];
    nodes.forEach((node, i) => {
      for (let t = start + (i % 5) * 1000; t < end; t += 5000) {
        const second = (t % MINUTE) / 1000;
        if (i === 0 && second >= 8) continue;
        if (i === 1 && second < 52) continue;
        if (i === 2 && (t < end - 11 * MINUTE || t >= end - 10 * MINUTE || second >= 8)) continue;
        rows.push(sample(node.id, t, i % 6 === 5, i));
      }
    });
    const insert = (batch: unknown[][]) => windows.insertSamples(db, d.id, batch);
    await insert(rows);

    // Window ends 90 s before the last sample (later samples cut the trailing minute) and after
    // it, every 2.5 s: the window start sweeps its whole minute, across the top of the hour.
    const ends: number[] = [];
    for (let k = 0; k <= 24; k++) ends.push(end - 90_000 + k * 2500, end + k * 2500);

    // Nothing folded yet: minute rollups only.
    expect(await marksOf(db, d.id)).toBeNull();
    const unfolded = await expectWindowsMatchRaw(d.id, ends);
    expect(unfolded.prefixed).toBe(0);
    expect(unfolded.complemented).toBeGreaterThan(10);
    expect(unfolded.complemented).toBeLessThan(ends.length - 10);

    // Folded past the data: running sums, across the hour, the trailing minute from rollups.
    await foldUpTo(db, d.id, end);
    const folded = await expectWindowsMatchRaw(d.id, ends);
    expect(folded.prefixed).toBe(ends.length);
    expect(folded.acrossHours).toBe(ends.length);
    expect(folded.buckets).toBeGreaterThan(ends.length / 2);

    // A late sample in a folded minute un-folds from its minute; reads stay exact meanwhile.
    const late = hour + MINUTE + 30_000;
    await insert([sample(nodes[3].id, late, true), sample(nodes[9].id, late + 1000, false)]);
    expect((await marksOf(db, d.id))!.until.getTime()).toBe(hour + MINUTE);
    const lowered = await expectWindowsMatchRaw(d.id, ends);
    expect(lowered.rollupMinutes).toBe(ends.length);
    expect(lowered.buckets).toBe(folded.buckets);

    // A deleted node leaves every read: its running sums go, and everything is folded again
    // (the 10-second buckets held its samples).
    await api.http.delete(`/deployments/${d.id}/nodes/${nodes[9].node_id}`).expect(204);
    const marks = (await marksOf(db, d.id))!;
    expect(marks.until).toEqual(marks.since);
    const unfoldedAgain = await expectWindowsMatchRaw(d.id, ends);
    expect(unfoldedAgain.prefixed + unfoldedAgain.buckets).toBe(0);
    await foldUpTo(db, d.id, end);
    const refolded = await expectWindowsMatchRaw(d.id, ends);
    expect(refolded.prefixed).toBe(ends.length);
    expect(refolded.buckets).toBe(folded.buckets);
    const { rows: stale } = await db.query(
      `SELECT count(*)::int AS n FROM telemetry_prefix_sums WHERE node_id = $1`,
      [nodes[9].id],
    );
    expect(stale[0].n).toBe(0);
  });
});
