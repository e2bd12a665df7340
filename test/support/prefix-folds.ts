import type { Pool } from 'pg';
import { pollUntil } from './poll';
import { startService } from './service';

/** How far the running sums of a deployment reach (null before its first fold). */
export type Marks = { since: Date; until: Date } | null;

export async function marksOf(db: Pool, deploymentId: number): Promise<Marks> {
  const { rows } = await db.query<{ since: Date; until: Date }>(
    `SELECT since, until FROM telemetry_prefix_marks WHERE deployment_id = $1`,
    [deploymentId],
  );
  return rows[0] ?? null;
}

/**
 * Runs a worker until it has folded the deployment's running sums up to `minute` (it folds
 * every 10 s); it collects nothing meanwhile. `env` adds to the worker's (a QUEUE_PREFIX).
 */
export async function foldUpTo(
  db: Pool,
  deploymentId: number,
  minute: number,
  env: Record<string, string> = {},
): Promise<void> {
  const worker = await startService({
    APP_ROLE: 'worker',
    TELEMETRY_INTERVAL_MS: '3600000',
    ...env,
  });
  try {
    await pollUntil(
      () => marksOf(db, deploymentId),
      `the running sums of deployment ${deploymentId} folded up to ${new Date(minute).toISOString()}`,
      {
        timeoutMs: 90_000,
        intervalMs: 250,
        until: (marks) => !!marks && marks.until.getTime() >= minute,
      },
    );
  } finally {
    await worker.stop();
  }
}
