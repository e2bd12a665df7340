import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GenerateSql, SQL } from '../database/generate-sql';
import { canonicalAddress, InventoryNode } from '../domain/inventory';
import { NODE_NUMBER_SQL, NodeRef } from '../domain/node-ref';
import { NodeRole } from '../domain/node-role';
import { NodeState } from '../domain/node-state';
import { NODE_COLUMNS, NodeRow } from './node-row';
import { Queryable } from './queryable';

// UPDATE and DELETE return their rows through a CTE: TypeORM's query() answers a bare UPDATE or
// DELETE with [rows, count] instead of the rows.

/** Which nodes of a deployment a page lists. */
export interface NodeFilter {
  state?: NodeState;
  role?: NodeRole;
  skip?: number;
  limit?: number;
}

/**
 * The nodes table as the API's routes use it: the node reads of GET /deployments/{id}/nodes and
 * the changes of create, grow, rename, retry and decommission. The workers' batches and the
 * telemetry and analytics reads of the same table are in nodes.repository.ts.
 */
@Injectable()
export class NodeChangesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Inserts nodes fromSeq..toSeq as PENDING, due now, in one statement. Without `planned` they
   * are the leaves of a deployment without a topology (host names switch-<deployment>-<number>);
   * with it, nodes of that role with the given host names, in order.
   * Nodes numbered after `dueUpTo` are held (no next_step_at: no claim sees them), for the
   * later waves of a rollout strategy.
   */
  @GenerateSql(
    { name: 'leaves', params: [SQL, 1, 1, 8, undefined, 4] },
    {
      name: 'planned',
      params: [SQL, 1, 1, 2, { role: NodeRole.SPINE, hostnames: ['spine-01', 'spine-02'] }, 2],
    },
  )
  async insertPending(
    m: Queryable,
    deploymentId: number,
    fromSeq: number,
    toSeq: number,
    planned?: { role: NodeRole; hostnames: string[] },
    dueUpTo = toSeq,
  ): Promise<void> {
    const number = NODE_NUMBER_SQL('g');
    if (!planned) {
      await m.query(
        `INSERT INTO nodes (deployment_id, seq, node_id, hostname, state, next_step_at)
         SELECT $1::int, g, 'node-' || ${number}, 'switch-' || $1::int || '-' || ${number}, 'PENDING',
                CASE WHEN g <= $4 THEN now() END
         FROM generate_series($2::int, $3::int) AS g`,
        [deploymentId, fromSeq, toSeq, dueUpTo],
      );
      return;
    }
    if (planned.hostnames.length !== toSeq - fromSeq + 1) {
      throw new RangeError(`${planned.hostnames.length} host names for nodes ${fromSeq}..${toSeq}`);
    }
    await m.query(
      `INSERT INTO nodes (deployment_id, seq, node_id, hostname, state, next_step_at, role)
       SELECT $1::int, g, 'node-' || ${number}, hostname, 'PENDING',
              CASE WHEN g <= $5 THEN now() END, $3
       FROM (SELECT $2::int + i::int - 1 AS g, hostname
             FROM unnest($4::text[]) WITH ORDINALITY AS h(hostname, i)) planned`,
      [deploymentId, fromSeq, planned.role, planned.hostnames, dueUpTo],
    );
  }

  /**
   * Inserts an inventory's nodes as PENDING, numbered from `fromSeq` in the order given, with
   * their host names, management addresses, roles and vars, in one statement; those numbered
   * after `dueUpTo` are held for later waves (as insertPending).
   */
  @GenerateSql({
    params: [
      SQL,
      1,
      1,
      [
        {
          hostname: 'leaf-a-01',
          management_address: '192.0.2.11',
          role: NodeRole.LEAF,
          vars: { asn: 65101 },
        },
      ],
      1,
    ],
  })
  async insertInventory(
    m: Queryable,
    deploymentId: number,
    fromSeq: number,
    nodes: readonly InventoryNode[],
    dueUpTo: number,
  ): Promise<void> {
    const number = NODE_NUMBER_SQL('g');
    await m.query(
      `INSERT INTO nodes (deployment_id, seq, node_id, hostname, ip_address, role, vars, state,
                          next_step_at)
       SELECT $1::int, g, 'node-' || ${number}, hostname, address, role, vars, 'PENDING',
              CASE WHEN g <= $7 THEN now() END
       FROM (SELECT $2::int + i::int - 1 AS g, hostname, address, role, vars
             FROM unnest($3::text[], $4::text[], $5::text[], $6::jsonb[])
                  WITH ORDINALITY AS u(hostname, address, role, vars, i)) inventory`,
      [
        deploymentId,
        fromSeq,
        nodes.map((n) => n.hostname),
        nodes.map((n) => canonicalAddress(n.management_address)),
        nodes.map((n) => n.role ?? NodeRole.LEAF),
        nodes.map((n) => (n.vars ? JSON.stringify(n.vars) : null)),
        dueUpTo,
      ],
    );
  }

  /** The host names and management addresses of the deployment's nodes, each with its node. */
  @GenerateSql({ params: [SQL, 1] })
  async identities(
    m: Queryable,
    deploymentId: number,
  ): Promise<{ node_id: string; hostname: string; ip_address: string | null }[]> {
    return m.query(
      `SELECT node_id, hostname, ip_address FROM nodes WHERE deployment_id = $1 ORDER BY seq`,
      [deploymentId],
    );
  }

  /**
   * Nodes of a deployment in node-number order, with the count of all that match (two
   * statements on the pool; no limit lists every node).
   */
  @GenerateSql(
    { name: 'all', params: [1, {}] },
    {
      name: 'filtered',
      params: [1, { state: NodeState.FAILED, role: NodeRole.LEAF, skip: 0, limit: 50 }],
    },
  )
  async list(
    deploymentId: number,
    filter: NodeFilter,
  ): Promise<{ nodes: NodeRow[]; total: number }> {
    const params: unknown[] = [deploymentId];
    const where = ['deployment_id = $1'];
    if (filter.state) where.push(`state = $${params.push(filter.state)}`);
    if (filter.role) where.push(`role = $${params.push(filter.role)}`);
    const page = params.length;
    const nodes: NodeRow[] = await this.dataSource.query(
      `SELECT ${NODE_COLUMNS} FROM nodes WHERE ${where.join(' AND ')}
       ORDER BY seq OFFSET $${page + 1} LIMIT $${page + 2}`,
      [...params, filter.skip ?? 0, filter.limit ?? null],
    );
    const [count]: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM nodes WHERE ${where.join(' AND ')}`,
      params,
    );
    return { nodes, total: count.n };
  }

  /**
   * The number the next host name of `role` takes: one past the highest `<role>-<n>` host name
   * of the deployment, and past the count of its nodes of that role (renamed nodes).
   */
  @GenerateSql({ params: [SQL, 1, NodeRole.LEAF] })
  async nextRoleOrdinal(m: Queryable, deploymentId: number, role: NodeRole): Promise<number> {
    const [row]: { next: number }[] = await m.query(
      `SELECT GREATEST(count(*), COALESCE(max(substring(hostname FROM '^' || $2 || '-([0-9]{1,9})$')::int), 0))::int + 1 AS next
       FROM nodes WHERE deployment_id = $1 AND role = $2`,
      [deploymentId, role],
    );
    return row.next;
  }

  /** The node a URL names (id or number) in the deployment, or null; on the pool without `m`. */
  @GenerateSql(
    { name: 'by id', params: [SQL, 1, { kind: 'id', id: 17 }] },
    { name: 'by number', params: [SQL, 1, { kind: 'seq', seq: 17 }] },
  )
  async findByRef(
    m: Queryable | undefined,
    deploymentId: number,
    ref: NodeRef,
  ): Promise<NodeRow | null> {
    const rows: NodeRow[] = await (m ?? this.dataSource).query(
      `SELECT ${NODE_COLUMNS} FROM nodes
       WHERE deployment_id = $1 AND ${ref.kind === 'id' ? 'id' : 'seq'} = $2`,
      [deploymentId, ref.kind === 'id' ? ref.id : ref.seq],
    );
    return rows[0] ?? null;
  }

  /** How many nodes the deployment has and its highest node number. */
  @GenerateSql({ params: [SQL, 1] })
  async countAndTop(m: Queryable, deploymentId: number): Promise<{ n: number; top: number }> {
    const [row]: { n: number; top: number }[] = await m.query(
      `SELECT count(*)::int AS n, COALESCE(max(seq), 0)::int AS top FROM nodes WHERE deployment_id = $1`,
      [deploymentId],
    );
    return row;
  }

  /** The deployment's nodes numbered after `seq`, in order. */
  @GenerateSql({ params: [SQL, 1, 8] })
  async listAfter(m: Queryable, deploymentId: number, seq: number): Promise<NodeRow[]> {
    return m.query(
      `SELECT ${NODE_COLUMNS} FROM nodes WHERE deployment_id = $1 AND seq > $2 ORDER BY seq`,
      [deploymentId, seq],
    );
  }

  /** The node with its new host name, management address and vars, or null when it is gone. */
  @GenerateSql({ params: [SQL, 17, { hostname: 'leaf-017', ip_address: '192.0.2.17', vars: {} }] })
  async setIdentity(
    m: Queryable,
    id: number,
    to: Pick<NodeRow, 'hostname' | 'ip_address' | 'vars'>,
  ): Promise<NodeRow | null> {
    const rows: NodeRow[] = await m.query(
      `WITH changed AS (
         UPDATE nodes SET hostname = $2, ip_address = $3, vars = $4, updated_at = now()
         WHERE id = $1 RETURNING *)
       SELECT ${NODE_COLUMNS} FROM changed`,
      [id, to.hostname, to.ip_address, to.vars === null ? null : JSON.stringify(to.vars)],
    );
    return rows[0] ?? null;
  }

  /** Removes the node; its state when it went, or null when it was already gone. */
  @GenerateSql({ params: [SQL, 17] })
  async delete(m: Queryable, id: number): Promise<NodeState | null> {
    const rows: { state: NodeState }[] = await m.query(
      `WITH gone AS (DELETE FROM nodes WHERE id = $1 RETURNING state) SELECT state FROM gone`,
      [id],
    );
    return rows[0]?.state ?? null;
  }

  /** Removes every node of the deployment; how many went. */
  @GenerateSql({ params: [SQL, 1] })
  async deleteAll(m: Queryable, deploymentId: number): Promise<number> {
    const rows: { n: number }[] = await m.query(
      `WITH gone AS (DELETE FROM nodes WHERE deployment_id = $1 RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [deploymentId],
    );
    return rows[0].n;
  }

  /**
   * Marks a FAILED node for retry (attempt + 1, due now); the node after, or null when the node
   * is not FAILED or already marked.
   */
  @GenerateSql({ params: [SQL, 17] })
  async markForRetry(m: Queryable, id: number): Promise<NodeRow | null> {
    const rows: NodeRow[] = await m.query(
      `WITH marked AS (
         UPDATE nodes SET attempt = attempt + 1, next_step_at = now(), updated_at = now()
         WHERE id = $1 AND state = 'FAILED' AND next_step_at IS NULL RETURNING *
       )
       SELECT ${NODE_COLUMNS} FROM marked`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Marks every FAILED node of the deployment not already marked; the nodes marked, by id. */
  @GenerateSql({ params: [SQL, 1] })
  async markAllFailedForRetry(
    m: Queryable,
    deploymentId: number,
  ): Promise<{ id: number; node_id: string; attempt: number }[]> {
    return m.query(
      `WITH marked AS (
         UPDATE nodes SET attempt = attempt + 1, next_step_at = now(), updated_at = now()
         WHERE deployment_id = $1 AND state = 'FAILED' AND next_step_at IS NULL
         RETURNING id, node_id, attempt
       )
       SELECT id, node_id, attempt FROM marked ORDER BY id`,
      [deploymentId],
    );
  }

  /** The node's state and schedule now, or null when it is gone. */
  @GenerateSql({ params: [SQL, 17] })
  async stateOf(
    m: Queryable,
    id: number,
  ): Promise<{ state: NodeState; next_step_at: Date | null } | null> {
    const rows: { state: NodeState; next_step_at: Date | null }[] = await m.query(
      `SELECT state, next_step_at FROM nodes WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }
}
