import type { Queryable } from '../../store/queryable';
import type { PrometheusNodeMatch } from '../sources/telemetry-config';

/** The nodes column each `node_match` compares a label value with (the management address is ip_address). */
const COLUMNS: Record<PrometheusNodeMatch, string> = {
  hostname: 'hostname',
  management_address: 'ip_address',
  node_id: 'node_id',
};

/**
 * A label value as a node name: `host:9100` and `[2001:db8::1]:9100` lose their port, as
 * Prometheus's `instance` label carries one; a bare IPv6 address is left whole.
 */
export function stripPort(value: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) return bracketed[1];
  const hostPort = /^([^:]+):\d+$/.exec(value);
  return hostPort ? hostPort[1] : value;
}

/**
 * The node id of each of `values` (already without port) among the deployment's nodes (any
 * state, or RUNNING only); a value that names several nodes goes to the lowest id, one that
 * names none is absent.
 */
export async function matchNodes(
  m: Queryable,
  deploymentId: number,
  match: PrometheusNodeMatch,
  values: string[],
  runningOnly = false,
): Promise<Map<string, number>> {
  if (values.length === 0) return new Map();
  const column = COLUMNS[match];
  const rows: { id: number; key: string }[] = await m.query(
    `SELECT DISTINCT ON (${column}) id, ${column} AS key FROM nodes
     WHERE deployment_id = $1 AND ${column} = ANY($2::text[])${runningOnly ? ` AND state = 'RUNNING'` : ''}
     ORDER BY ${column}, id`,
    [deploymentId, values],
  );
  return new Map(rows.map((r) => [r.key, r.id]));
}
