import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GenerateSql, SQL } from '../database/generate-sql';
import { LEAF_UPLINK_FIRST_PORT, LinkPeer, PlannedLink } from '../domain/fabric-topology';
import { inTransaction, Queryable } from './queryable';

/** One link as the API shows it: side a is the spine, side b the leaf or border leaf. */
export interface LinkRow {
  id: number;
  a_node_id: number;
  a_interface: string;
  b_node_id: number;
  b_interface: string;
}

/** A node that loses uplinks when another goes: how many of its uplinks, out of how many. */
export interface DependentRow {
  node_id: number;
  lost: number;
  uplinks: number;
}

/** A leaf's uplinks: the spines at their other end. */
export interface UplinksRow {
  node_id: number;
  spines: number[];
}

/**
 * Owns the links table: the leaf-spine links of a fabric (migration 1764261100000). Links are
 * written by node number (the topology builder's plan) and joined to the node ids of the
 * deployment in the same statement; a deployment without a topology has none.
 */
@Injectable()
export class LinksRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Writes the planned links of the deployment's nodes in one statement; how many. Leaf by
   * leaf, so a leaf's uplinks share a page or two: bottleneck requests read the uplinks of the
   * flagged leaves, while a spine's links are read only for its blast radius.
   */
  @GenerateSql({ params: [SQL, 1, [{ spineSeq: 1, spinePort: 1, leafSeq: 3, leafPort: 49 }]] })
  async insertPlanned(m: Queryable, deploymentId: number, links: PlannedLink[]): Promise<number> {
    if (links.length === 0) return 0;
    const column = (pick: (l: PlannedLink) => number) => `{${links.map(pick).join(',')}}`;
    const named = links.some((l) => l.spineInterface !== undefined);
    const [row]: { n: number }[] = await m.query(
      `WITH stored AS (
         INSERT INTO links (deployment_id, a_node_id, a_port, a_interface, b_node_id, b_port,
                            b_interface)
         SELECT $1, a.id, u.a_port, COALESCE(u.a_if, 'Ethernet1/' || u.a_port), b.id, u.b_port,
                COALESCE(u.b_if, 'Ethernet1/' || u.b_port)
         FROM unnest($2::int[], $3::int[], $4::int[], $5::int[], $6::text[], $7::text[])
              AS u(a_seq, a_port, b_seq, b_port, a_if, b_if)
         JOIN nodes a ON a.deployment_id = $1 AND a.seq = u.a_seq
         JOIN nodes b ON b.deployment_id = $1 AND b.seq = u.b_seq
         ORDER BY u.b_seq, u.a_seq
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM stored`,
      [
        deploymentId,
        column((l) => l.spineSeq),
        column((l) => l.spinePort),
        column((l) => l.leafSeq),
        column((l) => l.leafPort),
        // Names a client gave (an inventory's links), else Ethernet1/<port>; a generated
        // fabric sends none (unnest pads the shorter arrays with nulls).
        named ? links.map((l) => l.spineInterface ?? null) : [],
        named ? links.map((l) => l.leafInterface ?? null) : [],
      ],
    );
    return row.n;
  }

  /** The deployment's spines in node order, each with its first free port. */
  @GenerateSql({ params: [SQL, 1] })
  async spinePeers(m: Queryable, deploymentId: number): Promise<LinkPeer[]> {
    return m.query(
      `SELECT n.seq, COALESCE((SELECT max(a_port) FROM links WHERE a_node_id = n.id), 0)::int + 1 AS "nextPort"
       FROM nodes n WHERE n.deployment_id = $1 AND n.role = 'spine' ORDER BY n.seq`,
      [deploymentId],
    );
  }

  /** The deployment's leaves and border leaves in node order, each with its first free uplink. */
  @GenerateSql({ params: [SQL, 1] })
  async leafPeers(m: Queryable, deploymentId: number): Promise<LinkPeer[]> {
    return m.query(
      `SELECT n.seq,
              GREATEST(COALESCE((SELECT max(b_port) FROM links WHERE b_node_id = n.id) + 1, $2), $2)::int AS "nextPort"
       FROM nodes n WHERE n.deployment_id = $1 AND n.role <> 'spine' ORDER BY n.seq`,
      [deploymentId, LEAF_UPLINK_FIRST_PORT],
    );
  }

  /** How many links the deployment has. */
  @GenerateSql({ params: [SQL, 1] })
  async count(m: Queryable, deploymentId: number): Promise<number> {
    const [row]: { n: number }[] = await m.query(
      `SELECT count(*)::int AS n FROM links WHERE deployment_id = $1`,
      [deploymentId],
    );
    return row.n;
  }

  /** Links of the deployment in id order, all or those of one node, with the count of all. */
  @GenerateSql(
    { name: 'all', params: [1, { skip: 0, limit: 50 }] },
    { name: 'one node', params: [1, { nodeId: 17, skip: 0, limit: 50 }] },
  )
  async list(
    deploymentId: number,
    filter: { nodeId?: number; skip: number; limit: number },
  ): Promise<{ links: LinkRow[]; total: number }> {
    const byNode = filter.nodeId !== undefined;
    const params: unknown[] = byNode ? [deploymentId, filter.nodeId] : [deploymentId];
    const where = byNode
      ? `(a_node_id = $2 OR b_node_id = $2) AND deployment_id = $1`
      : `deployment_id = $1`;
    const page = byNode ? '$3' : '$2';
    const size = byNode ? '$4' : '$3';
    return inTransaction(
      this.dataSource,
      async (m) => {
        const links: LinkRow[] = await m.query(
          `SELECT id, a_node_id, a_interface, b_node_id, b_interface FROM links
         WHERE ${where} ORDER BY id OFFSET ${page} LIMIT ${size}`,
          [...params, filter.skip, filter.limit],
        );
        const [count]: { n: number }[] = await m.query(
          `SELECT count(*)::int AS n FROM links WHERE ${where}`,
          params,
        );
        return { links, total: count.n };
      },
      'REPEATABLE READ',
    );
  }

  /**
   * The nodes that lose uplinks if `nodeId` goes: the leaves and border leaves at the other end
   * of its links when it is a spine (side a), none otherwise; with how many uplinks each has.
   */
  @GenerateSql({ params: [SQL, 17] })
  async dependents(m: Queryable, nodeId: number): Promise<DependentRow[]> {
    return m.query(
      `SELECT l.b_node_id AS node_id, count(*)::int AS lost,
              (SELECT count(*) FROM links u WHERE u.b_node_id = l.b_node_id)::int AS uplinks
       FROM links l WHERE l.a_node_id = $1
       GROUP BY l.b_node_id ORDER BY l.b_node_id`,
      [nodeId],
    );
  }

  /**
   * The spines each of the given leaves or border leaves has an uplink to: one probe of the
   * (b_node_id, b_port) index per leaf, whatever the planner knows of the table.
   */
  @GenerateSql({ params: [[17, 18]] })
  async uplinksOf(nodeIds: number[]): Promise<UplinksRow[]> {
    if (nodeIds.length === 0) return [];
    return this.dataSource.query(
      `SELECT u.id AS node_id,
              ARRAY(SELECT a_node_id FROM links WHERE b_node_id = u.id ORDER BY a_node_id) AS spines
       FROM unnest($1::int[]) AS u(id)`,
      [nodeIds],
    );
  }

  /** Removes every link of the node (either side); how many went. */
  @GenerateSql({ params: [SQL, 17] })
  async deleteForNode(m: Queryable, nodeId: number): Promise<number> {
    const [row]: { n: number }[] = await m.query(
      `WITH gone AS (DELETE FROM links WHERE a_node_id = $1 OR b_node_id = $1 RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [nodeId],
    );
    return row.n;
  }

  /** Removes every link of the deployment; how many went. */
  @GenerateSql({ params: [SQL, 1] })
  async deleteAll(m: Queryable, deploymentId: number): Promise<number> {
    const [row]: { n: number }[] = await m.query(
      `WITH gone AS (DELETE FROM links WHERE deployment_id = $1 RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [deploymentId],
    );
    return row.n;
  }
}
