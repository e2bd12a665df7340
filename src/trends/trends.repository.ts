import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GenerateSql, SQL } from '../database/generate-sql';
import { NodeRef } from '../domain/node-ref';
import { NodeRole } from '../domain/node-role';
import { Queryable } from '../store/queryable';
import { FOLD_MOMENTS_SQL, StateColumn, STATE_COLUMNS, windowStatesSql } from './moment-sql';
import { RegrState } from './regression';

/** A window [from, to) of a request. */
export interface Span {
  from: Date;
  to: Date;
}

/** One node's merged states in one window (and minute, per minute). */
export interface StateRow {
  /** Which window, from 1. */
  i: number;
  node_id: number;
  node_identifier: string;
  role: NodeRole;
  minute?: Date;
  states: Record<string, RegrState>;
}

export interface NodeInfo {
  node_id: number;
  node_identifier: string;
  role: NodeRole;
}

export interface NodeWithPeers extends NodeInfo {
  peers: NodeInfo[];
}

export interface StateFilter {
  nodeIds?: number[];
  role?: NodeRole;
  perMinute?: boolean;
}

const SPANS = [
  { from: new Date('2026-11-27T09:05:23.500Z'), to: new Date('2026-11-27T10:05:23.500Z') },
];

/**
 * Owns telemetry_minute_moments (migration 1765145000000): the telemetry fold writes each passed
 * minute's node-minute regression states here, and trends, node histories and correlations read
 * a window's states, merged in PostgreSQL with its own regr_* combine step.
 */
@Injectable()
export class TrendsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Folds one minute of the deployment's samples (the telemetry fold calls this per minute). */
  @GenerateSql({ params: [SQL, 7, new Date('2026-11-27T10:05:00.000Z')] })
  async foldMinute(m: Queryable, deploymentId: number, minute: Date): Promise<void> {
    await m.query(FOLD_MOMENTS_SQL, [deploymentId, minute]);
  }

  /** The merged states of `columns` per window and node; nodes without samples are absent. */
  @GenerateSql(
    { name: 'one trend', params: [7, SPANS, [STATE_COLUMNS[0]], {}] },
    {
      name: 'per minute of some nodes',
      params: [7, SPANS, [STATE_COLUMNS[0]], { nodeIds: [17, 18], perMinute: true }],
    },
  )
  async windowStates(
    deploymentId: number,
    spans: Span[],
    columns: readonly StateColumn[],
    filter: StateFilter,
  ): Promise<StateRow[]> {
    const rows: (Omit<StateRow, 'states'> & Record<string, RegrState>)[] =
      await this.dataSource.query(
        windowStatesSql({ columns, perMinute: filter.perMinute ?? false }),
        [
          deploymentId,
          spans.map((s) => s.from),
          spans.map((s) => s.to),
          filter.nodeIds ?? null,
          filter.role ?? null,
        ],
      );
    return rows.map((r) => ({
      i: r.i,
      node_id: r.node_id,
      node_identifier: r.node_identifier,
      role: r.role,
      ...(r.minute !== undefined ? { minute: r.minute } : {}),
      states: Object.fromEntries(columns.map((c) => [c.column, r[c.column].map(Number)])),
    }));
  }

  /**
   * The node's role and identifier and the nodes at the other end of its links (a leaf's spines,
   * a spine's leaves) by id, or null when the node is not the deployment's.
   */
  @GenerateSql(
    { name: 'by id', params: [7, { kind: 'id', id: 17 }] },
    { name: 'by name', params: [7, { kind: 'seq', seq: 17 }] },
  )
  async neighbours(deploymentId: number, ref: NodeRef): Promise<NodeWithPeers | null> {
    const [row]: NodeWithPeers[] = await this.dataSource.query(
      `SELECT n.id AS node_id, n.node_id AS node_identifier, n.role,
              coalesce((SELECT json_agg(json_build_object('node_id', p.id, 'node_identifier', p.node_id,
                                                          'role', p.role) ORDER BY p.id)
                        FROM nodes p
                        WHERE p.id IN (SELECT b_node_id FROM links WHERE a_node_id = n.id
                                       UNION SELECT a_node_id FROM links WHERE b_node_id = n.id)),
                       '[]') AS peers
       FROM nodes n
       WHERE n.deployment_id = $1 AND CASE WHEN $2 = 'id' THEN n.id = $3 ELSE n.seq = $3 END`,
      [deploymentId, ref.kind, ref.kind === 'id' ? ref.id : ref.seq],
    );
    return row ?? null;
  }
}
