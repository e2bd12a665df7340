import { Injectable } from '@nestjs/common';
import { GenerateSql, SQL } from '../../../database/generate-sql';
import { Queryable } from '../../../store/queryable';
import { CounterState } from './snmp-counters';

export type TelemetryStatus = 'ok' | 'unreachable' | 'unknown';

/** A RUNNING node to poll: its id, name and management address. */
export interface PolledNode {
  id: number;
  node_id: string;
  address: string | null;
}

/**
 * The SNMP source's tables: each node's counters from its last poll (snmp_counter_state, kept
 * in PostgreSQL so that any worker polls any shard and a restarted worker needs no priming) and
 * the nodes' telemetry_status.
 */
@Injectable()
export class SnmpStateRepository {
  /** The RUNNING nodes of one shard with their management address. */
  @GenerateSql({ params: [SQL, 1, 1, 5000] })
  async runningNodes(
    m: Queryable,
    deploymentId: number,
    fromSeq: number,
    toSeq: number,
  ): Promise<PolledNode[]> {
    return m.query(
      `SELECT id, node_id, ip_address AS address FROM nodes
       WHERE deployment_id = $1 AND seq BETWEEN $2 AND $3 AND state = 'RUNNING'`,
      [deploymentId, fromSeq, toSeq],
    );
  }

  /** The counters of the nodes' last polls. */
  @GenerateSql({ params: [SQL, [17, 18]] })
  async states(m: Queryable, nodeIds: number[]): Promise<Map<number, CounterState>> {
    const rows: { node_id: number; sys_uptime: string; counters: Record<string, string[]> }[] =
      await m.query(
        `SELECT node_id, sys_uptime, counters FROM snmp_counter_state WHERE node_id = ANY($1::int[])`,
        [nodeIds],
      );
    return new Map(
      rows.map((r) => [r.node_id, { sys_uptime: Number(r.sys_uptime), counters: r.counters }]),
    );
  }

  /** Keeps this poll's counters for the next one. */
  @GenerateSql({ params: [SQL, [17], [{ sys_uptime: 100, counters: {} }], new Date(0)] })
  async saveStates(
    m: Queryable,
    nodeIds: number[],
    states: CounterState[],
    at: Date,
  ): Promise<void> {
    if (nodeIds.length === 0) return;
    await m.query(
      `INSERT INTO snmp_counter_state (node_id, sys_uptime, counters, polled_at)
       SELECT u.node_id, u.sys_uptime, u.counters, $4
       FROM unnest($1::int[], $2::bigint[], $3::jsonb[]) AS u(node_id, sys_uptime, counters)
       ON CONFLICT (node_id) DO UPDATE
         SET sys_uptime = EXCLUDED.sys_uptime, counters = EXCLUDED.counters, polled_at = EXCLUDED.polled_at`,
      [nodeIds, states.map((s) => s.sys_uptime), states.map((s) => JSON.stringify(s.counters)), at],
    );
  }

  /**
   * Sets the nodes' telemetry_status; returns the nodes whose status changed (a node never
   * polled before counts as unknown), each with its name, so that each change is told once.
   */
  @GenerateSql({ params: [SQL, [17, 18], 'unreachable'] })
  async setStatus(
    m: Queryable,
    nodeIds: number[],
    status: TelemetryStatus,
  ): Promise<{ id: number; node_id: string; before: TelemetryStatus }[]> {
    if (nodeIds.length === 0) return [];
    return m.query(
      `WITH before AS (
         SELECT id, COALESCE(telemetry_status, 'unknown') AS status FROM nodes
         WHERE id = ANY($1::int[]) AND telemetry_status IS DISTINCT FROM $2
         FOR NO KEY UPDATE
       )
       UPDATE nodes n SET telemetry_status = $2 FROM before b
       WHERE n.id = b.id
       RETURNING n.id, n.node_id, b.status AS before`,
      [nodeIds, status],
    );
  }
}
