import type { Pool, PoolClient } from 'pg';
import type { AnalysisWindow } from '../../src/domain/analysis-window';
import { leadRawUntil, prefixTerms } from '../../src/analytics/window-terms';
import { marksOf } from './prefix-folds';

/** What the window statements run a query with: rows back. */
export type RunQuery = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * Runs window statements as the service does: a first connection in REPEATABLE READ and, when
 * the statement asks for one, more connections that `open` begins over the same snapshot.
 * Every connection is rolled back and released after `run`; `connections` says how many it took.
 */
export async function inSnapshot<T>(
  db: Pool,
  run: (first: RunQuery, open: (begin: string) => Promise<RunQuery>) => Promise<T>,
): Promise<{ result: T; connections: number }> {
  const clients: PoolClient[] = [];
  const open = async (begin: string): Promise<RunQuery> => {
    const c = await db.connect();
    clients.push(c);
    await c.query(begin);
    return async (sql, params) => (await c.query(sql, params)).rows;
  };
  try {
    const result = await run(await open('BEGIN ISOLATION LEVEL REPEATABLE READ'), open);
    return { result, connections: clients.length };
  } finally {
    await Promise.all(clients.map((c) => c.query('ROLLBACK')));
    clients.forEach((c) => c.release());
  }
}

/** The statements' positional parameters for one window, as the analytics service binds them. */
export function windowBase(deploymentId: number, w: AnalysisWindow): unknown[] {
  return [
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
}

/** Which kinds of read a window takes given the deployment's running sums (for coverage counts). */
export async function windowReads(db: Pool, deploymentId: number, w: AnalysisWindow) {
  const marks = await marksOf(db, deploymentId);
  const terms = prefixTerms(w.leadByComplement ? w.leadMinute : w.wholeFrom, w.wholeTo, marks);
  return {
    buckets: leadRawUntil(w, marks) < w.wholeFrom,
    complemented: w.leadByComplement,
    prefixed: terms.plus.length > 0,
    acrossHours: terms.plus.length > 1,
    rollupMinutes: terms.plus.length > 0 && terms.rollupsFrom < w.wholeTo,
  };
}

/** Adds each read kind a window took to the counts. */
export function countReads<K extends string>(
  seen: Record<K, number>,
  reads: Record<NoInfer<K>, boolean>,
): void {
  for (const kind of Object.keys(seen) as K[]) if (reads[kind]) seen[kind]++;
}

/** A seeded pseudo-random number in (0, 1): the same samples at every run. */
export function seededRandom(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 16807) % 2147483647) - 1) / 2147483646;
}

/**
 * Writes samples straight into telemetry_samples (behind the API: only the statements are under
 * test), each row [node id, ISO time, latency, throughput, error rate].
 */
export function insertSamples(db: Pool, deploymentId: number, rows: unknown[][]) {
  return db.query(
    `INSERT INTO telemetry_samples (deployment_id, node_id, "timestamp", latency_ms, throughput_gbps, error_rate)
     SELECT $1, (r->>0)::int, (r->>1)::timestamptz, (r->>2)::float8, (r->>3)::float8, (r->>4)::float8
     FROM jsonb_array_elements($2::jsonb) AS r`,
    [deploymentId, JSON.stringify(rows)],
  );
}
