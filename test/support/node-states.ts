import { Pool } from 'pg';
import { deleteQueuePrefix } from './queues';
import { Service } from './service';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitUntil(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function createDeployment(
  api: Service,
  count: number,
  extra: Record<string, unknown> = {},
): Promise<number> {
  const res = await api.http
    .post('/deployments')
    .send({ name: `fabric-${count}`, target_node_count: count, ...extra })
    .expect(201);
  return res.body.id as number;
}

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
  await waitUntil(
    async () => (await terminalCount(db, deploymentId)) === total,
    `all ${total} nodes of deployment ${deploymentId} RUNNING or FAILED`,
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

/** Deletes every key of this run's queue prefix, as if Redis had lost its data. */
export function deleteQueueKeys(): Promise<number> {
  return deleteQueuePrefix(process.env.QUEUE_PREFIX);
}
