import { Pool } from 'pg';
import { pollUntil } from './poll';

export async function stateCounts(db: Pool, deploymentId: number): Promise<Record<string, number>> {
  const { rows } = await db.query<{ state: string; n: number }>(
    `SELECT state, count(*)::int AS n FROM nodes WHERE deployment_id = $1 GROUP BY state`,
    [deploymentId],
  );
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

export async function terminalCount(db: Pool, deploymentId: number): Promise<number> {
  const counts = await stateCounts(db, deploymentId);
  return (counts.RUNNING ?? 0) + (counts.FAILED ?? 0);
}

export async function waitAllTerminal(db: Pool, deploymentId: number, total: number) {
  await pollUntil(
    () => terminalCount(db, deploymentId),
    `all ${total} nodes of deployment ${deploymentId} RUNNING or FAILED`,
    { timeoutMs: 90_000, until: (n) => n === total },
  );
}

/** Waits until no node of the deployment is on its way (all RUNNING or FAILED); their ids. */
export async function settledNodes(
  db: Pool,
  deploymentId: number,
  timeoutMs = 60_000,
): Promise<{ running: number[]; failed: number[] }> {
  return pollUntil(
    async () => {
      const { rows } = await db.query<{ id: number; state: string }>(
        `SELECT id, state FROM nodes WHERE deployment_id = $1 ORDER BY id`,
        [deploymentId],
      );
      if (rows.some((r) => r.state !== 'RUNNING' && r.state !== 'FAILED')) return undefined;
      return {
        running: rows.filter((r) => r.state === 'RUNNING').map((r) => r.id),
        failed: rows.filter((r) => r.state === 'FAILED').map((r) => r.id),
      };
    },
    `deployment ${deploymentId} to settle`,
    { timeoutMs },
  );
}

/**
 * Every node has exactly its three transitions, in order, ending in its current state; returns
 * the number of nodes checked. A duplicate or missing event fails here.
 */
export async function assertThreeTransitionsPerNode(db: Pool, deploymentId: number) {
  const { rows } = await db.query<{ node_id: number; state: string; path: string[] }>(
    `SELECT n.id AS node_id, n.state,
            array_agg(e.from_state || '>' || e.to_state ORDER BY e.id) AS path
     FROM nodes n LEFT JOIN events e ON e.node_id = n.id AND e.type = 'STATE_CHANGE'
     WHERE n.deployment_id = $1 GROUP BY n.id, n.state`,
    [deploymentId],
  );
  const bad = rows.filter(
    (r) =>
      r.path.length !== 3 ||
      r.path[0] !== 'PENDING>PROVISIONING' ||
      r.path[1] !== 'PROVISIONING>CONFIGURING' ||
      r.path[2] !== `CONFIGURING>${r.state}`,
  );
  expect(bad.slice(0, 5)).toEqual([]);
  return rows.length;
}
