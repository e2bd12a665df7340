import { Queryable } from '../store/queryable';
import type { Observation } from './alert-notifier.service';

/**
 * Method `absent`: the RUNNING nodes of a deployment with no sample in the last
 * `windowMinutes` (a node that stopped answering its telemetry source, or a push that stopped).
 * Each is observed with a deviation score of 0 and no metrics: there is nothing to score.
 */
export async function absentNodes(
  q: Queryable,
  deploymentId: number,
  windowMinutes: number,
): Promise<Map<number, Observation>> {
  const rows: { id: number; node_id: string }[] = await q.query(
    `SELECT n.id, n.node_id FROM nodes n
     WHERE n.deployment_id = $1 AND n.state = 'RUNNING'
       AND NOT EXISTS (
         SELECT 1 FROM telemetry_samples s
         WHERE s.node_id = n.id AND s."timestamp" > now() - $2 * interval '1 minute')`,
    [deploymentId, windowMinutes],
  );
  return new Map(
    rows.map((r) => [r.id, { nodeIdentifier: r.node_id, deviationScore: 0, metrics: {} }]),
  );
}
