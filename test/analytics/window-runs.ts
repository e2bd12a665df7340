import { Pool, PoolClient } from 'pg';
import { AnalysisWindow } from '../../src/domain/analysis-window';
import { METRICS } from '../../src/domain/telemetry-metrics';
import { GroupedWindow, runWindow } from '../../src/analytics/bottleneck-window-sql';

/** The request's values of the window statements for a window: min_samples 1, no threshold. */
export const windowBase = (deploymentId: number, w: AnalysisWindow): unknown[] => [
  deploymentId,
  w.from,
  w.to,
  w.wholeFrom,
  w.wholeTo,
  1,
  null,
  w.leadMinute,
  w.leadByComplement,
];

/**
 * The fast window statement as the service runs it, on connections of the suite's pool: one
 * statement, or two parts over one snapshot (`parts`), by role when `byRole`.
 */
export async function runWindowParts(
  db: Pool,
  w: AnalysisWindow,
  base: unknown[],
  parts: 1 | 2,
  byRole: boolean,
): Promise<GroupedWindow> {
  const clients: PoolClient[] = [];
  const open = async (begin: string) => {
    const c = await db.connect();
    clients.push(c);
    await c.query(begin);
    return async (sql: string, params?: unknown[]) => (await c.query(sql, params)).rows;
  };
  try {
    const result = await runWindow(
      await open('BEGIN ISOLATION LEVEL REPEATABLE READ'),
      async (begin) => (parts === 2 ? open(begin) : null),
      w,
      base,
      byRole,
      0,
    );
    expect(result).not.toBeNull();
    expect(clients).toHaveLength(parts);
    return result!;
  } finally {
    await Promise.all(clients.map((c) => c.query('ROLLBACK')));
    clients.forEach((c) => c.release());
  }
}

/**
 * A sample's metrics with some left out, the way real sources send them: node `index` % 4 = 1
 * lacks latency in about a third of its samples, % 11 = 7 never reports throughput, and about
 * one sample in ten lacks its error rate (never all three).
 */
export function withGaps(index: number, values: number[], random: () => number): (number | null)[] {
  const [latency, throughput, errors] = values;
  const lat = index % 4 === 1 && random() < 0.3 ? null : latency;
  const thr = index % 11 === 7 ? null : throughput;
  return [lat, thr, random() < 0.1 && (lat !== null || thr !== null) ? null : errors];
}

/** A node's mean and count of each metric over raw rows, in SQL (nulls skipped). */
export const RAW_NODE_METRICS = (alias: string) =>
  METRICS.map((m) => `avg(${alias}${m}) AS ${m}, count(${alias}${m})::int AS ${m}_n`).join(', ');
/** Count, mean and M2 of each metric over raw rows, in SQL (nulls skipped). */
export const RAW_MOMENTS = (alias: string) =>
  METRICS.map(
    (m) =>
      `count(${alias}${m})::int AS ${m}_n, avg(${alias}${m}) AS ${m}_mean, var_pop(${alias}${m}) * count(${alias}${m}) AS ${m}_m2`,
  ).join(', ');

/** Equal to rounding, or both null. */
export function expectSame(actual: number | null, expected: number | null, tolerance: number) {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(
    tolerance * Math.max(1, Math.abs(expected)),
  );
}
