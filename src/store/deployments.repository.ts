import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { GenerateSql, SQL } from '../database/generate-sql';
import { NODE_STATES, NodeState } from '../domain/node-state';
import { RolloutStatus, RolloutStrategy } from '../domain/rollout';
import { NodeRole } from '../domain/node-role';
import { DEPLOYMENT_COLUMNS, DeploymentRow } from './deployment-row';
import { COUNT_SUMS, emptyStateCounts } from './state-counts';
import { Queryable } from './queryable';
import type { DeploymentTelemetry } from '../telemetry/sources/telemetry-config';

/**
 * What a new deployment row holds (the nodes per role all null for a deployment without a
 * topology); the rest is defaulted by the database.
 */
export type NewDeployment = Pick<
  DeploymentRow,
  | 'name'
  | 'description'
  | 'target_node_count'
  | 'max_parallel'
  | 'spine_count'
  | 'leaf_count'
  | 'border_leaf_count'
  | 'telemetry'
>;

/** A timestamp column as whole milliseconds since the epoch, truncated as pg's Date parser does. */
const epochMs = (column: string) => `floor(extract(epoch FROM ${column}) * 1000)::bigint`;

/**
 * A deployment with its per-state counts and its rollout as one JSON text column: pg then parses
 * one field instead of two dozen (it rebuilds its parsers for every column of every result, the dearest part of this read),
 * and timestamps come as epoch milliseconds instead of text for pg to parse into dates.
 */
const detailSql = (from: string, rest: string) => `SELECT json_build_object(
    'id', d.id, 'name', d.name, 'description', d.description,
    'target_node_count', d.target_node_count, 'max_parallel', d.max_parallel, 'version', d.version,
    'created_at', ${epochMs('d.created_at')}, 'updated_at', ${epochMs('d.updated_at')},
    'started_at', ${epochMs('d.started_at')}, 'finished_at', ${epochMs('d.finished_at')},
    'spine_count', d.spine_count, 'leaf_count', d.leaf_count,
    'border_leaf_count', d.border_leaf_count, 'telemetry', d.telemetry,
    'counts', json_build_array(${NODE_STATES.map((s) => `c.state_${s.toLowerCase()}`).join(', ')}),
    'rollout', CASE WHEN r.deployment_id IS NULL THEN NULL ELSE json_build_object(
      'status', r.status, 'wave', r.wave, 'waves_total', cardinality(r.wave_ends),
      'halted_reason', r.halted_reason, 'strategy', r.strategy) END
  )::text AS detail
  FROM ${from}
  CROSS JOIN LATERAL (SELECT ${COUNT_SUMS} FROM node_state_counts WHERE deployment_id = d.id) c
  LEFT JOIN rollouts r ON r.deployment_id = d.id
  ${rest}`;
const DETAIL_SQL = detailSql('deployments d', 'WHERE d.id = $1');
/** A page of the list, newest first, each row as DETAIL_SQL's. */
const LIST_SQL = detailSql(
  '(SELECT * FROM deployments ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT $2) d',
  'ORDER BY d.created_at DESC, d.id DESC',
);

/** A row of DETAIL_SQL, parsed: the deployment row with its times as epoch milliseconds. */
interface DetailJson extends Omit<
  DeploymentRow,
  'created_at' | 'updated_at' | 'started_at' | 'finished_at'
> {
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  /** In NODE_STATES order. */
  counts: number[];
  rollout: RolloutColumns | null;
}

/** What detail and list read: the deployment, its counts per state and its rollout. */
export interface DeploymentWithCounts {
  deployment: DeploymentRow;
  counts: Record<NodeState, number>;
  rollout: RolloutColumns | null;
}

/** DeploymentWithCounts from DETAIL_SQL's text; null without a row. */
function detailOf(row: { detail: string } | undefined): DeploymentWithCounts | null {
  if (!row) return null;
  const d = JSON.parse(row.detail) as DetailJson;
  const date = (ms: number | null) => (ms === null ? null : new Date(ms));
  const deployment: DeploymentRow = {
    id: d.id,
    name: d.name,
    description: d.description,
    target_node_count: d.target_node_count,
    max_parallel: d.max_parallel,
    version: d.version,
    spine_count: d.spine_count,
    leaf_count: d.leaf_count,
    border_leaf_count: d.border_leaf_count,
    telemetry: d.telemetry,
    created_at: new Date(d.created_at),
    updated_at: new Date(d.updated_at),
    started_at: date(d.started_at),
    finished_at: date(d.finished_at),
  };
  const counts = emptyStateCounts();
  NODE_STATES.forEach((s, i) => (counts[s] = d.counts[i]));
  return { deployment, counts, rollout: d.rollout };
}

/** The rollout columns of the detail statement; null status without a strategy. */
export interface RolloutColumns {
  status: RolloutStatus;
  wave: number;
  waves_total: number;
  halted_reason: string | null;
  strategy: RolloutStrategy;
}

/** The deployments column that counts the nodes of a role. */
const ROLE_COUNT_COLUMN: Record<NodeRole, string> = {
  [NodeRole.SPINE]: 'spine_count',
  [NodeRole.LEAF]: 'leaf_count',
  [NodeRole.BORDER_LEAF]: 'border_leaf_count',
};

/**
 * Owns the deployments table: every statement that reads or writes it. Row locks on it are the
 * lock service's (store/locks.ts).
 */
@Injectable()
export class DeploymentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** How many deployments there are (for MAX_DEPLOYMENTS). */
  @GenerateSql({ params: [] })
  async countDeployments(): Promise<number> {
    const [row]: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM deployments`,
    );
    return row.n;
  }

  /** Writes a new deployment; the row as stored, with its id, version and times. */
  @GenerateSql({
    params: [
      SQL,
      {
        name: 'dc1-leaf-spine',
        description: null,
        target_node_count: 6,
        max_parallel: null,
        spine_count: 2,
        leaf_count: 4,
        border_leaf_count: 0,
        telemetry: null,
      },
    ],
  })
  async insert(m: Queryable, row: NewDeployment): Promise<DeploymentRow> {
    const [created]: DeploymentRow[] = await m.query(
      `INSERT INTO deployments (name, description, target_node_count, max_parallel, spine_count,
                                leaf_count, border_leaf_count, telemetry)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${DEPLOYMENT_COLUMNS}`,
      [
        row.name,
        row.description,
        row.target_node_count,
        row.max_parallel,
        row.spine_count,
        row.leaf_count,
        row.border_leaf_count,
        row.telemetry === null ? null : JSON.stringify(row.telemetry),
      ],
    );
    return created;
  }

  /** A page of deployments, newest first, each with its counts and rollout (one statement). */
  @GenerateSql({ params: [0, 20] })
  async list(skip: number, limit: number): Promise<DeploymentWithCounts[]> {
    const rows: { detail: string }[] = await this.dataSource.query(LIST_SQL, [skip, limit]);
    return rows.map((row) => detailOf(row)!);
  }

  /** The deployment, read in the caller's transaction when one is given; null when gone. */
  @GenerateSql({ params: [1, SQL] })
  async find(id: number, m: Queryable = this.dataSource): Promise<DeploymentRow | null> {
    const rows: DeploymentRow[] = await m.query(
      `SELECT ${DEPLOYMENT_COLUMNS} FROM deployments WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * The deployment with its node counts per state and its rollout, in one statement: primary-key
   * probes and the deployment's few counts rows (node_state_counts), never its nodes; the figures
   * in one JSON column (DETAIL_SQL). GET /deployments/{id} is the API's hottest read: a named
   * statement straight on the pool, so PostgreSQL plans it once per connection and no query
   * runner is built for it; a promise chain rather than an async function. Null when gone.
   */
  @GenerateSql({ params: [1] })
  detail(id: number): Promise<DeploymentWithCounts | null> {
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    return pool
      .query<{ detail: string }>({ name: 'deployment-detail', text: DETAIL_SQL, values: [id] })
      .then(({ rows }) => detailOf(rows[0]));
  }

  /** Whether the deployment exists (one primary-key probe). */
  @GenerateSql({ params: [1, SQL] })
  async exists(id: number, m: Queryable = this.dataSource): Promise<boolean> {
    const rows: unknown[] = await m.query(`SELECT 1 FROM deployments WHERE id = $1`, [id]);
    return rows.length > 0;
  }

  /** The new name and description, a new version; the row after. */
  @GenerateSql({ params: [SQL, 1, { name: 'dc1-leaf-spine', description: 'Hall A' }] })
  async rename(
    m: Queryable,
    id: number,
    change: { name: string; description: string | null },
  ): Promise<DeploymentRow> {
    const [after]: DeploymentRow[] = await m.query(
      `WITH changed AS (
         UPDATE deployments SET name = $2, description = $3, version = version + 1, updated_at = now()
         WHERE id = $1 RETURNING *
       )
       SELECT ${DEPLOYMENT_COLUMNS} FROM changed`,
      [id, change.name, change.description],
    );
    return after;
  }

  /** A new telemetry block and a new version; the row after. */
  @GenerateSql({ params: [SQL, 1, { source: 'push', interval_seconds: 30 }] })
  async setTelemetry(
    m: Queryable,
    id: number,
    telemetry: DeploymentTelemetry,
  ): Promise<DeploymentRow> {
    const [after]: DeploymentRow[] = await m.query(
      `WITH changed AS (
         UPDATE deployments SET telemetry = $2, version = version + 1, updated_at = now()
         WHERE id = $1 RETURNING *
       )
       SELECT ${DEPLOYMENT_COLUMNS} FROM changed`,
      [id, JSON.stringify(telemetry)],
    );
    return after;
  }

  /**
   * Nodes were added: the new target, a new version, and the rollout is running again. A
   * fabric also counts `added` more nodes of `role` (a deployment without a topology keeps null).
   */
  @GenerateSql({ params: [SQL, 1, 8, NodeRole.LEAF, 2] })
  async grown(
    m: Queryable,
    id: number,
    targetNodeCount: number,
    role: NodeRole = NodeRole.LEAF,
    added = 0,
  ): Promise<void> {
    const column = ROLE_COUNT_COLUMN[role];
    await m.query(
      `UPDATE deployments SET target_node_count = $2, version = version + 1, updated_at = now(),
         finished_at = NULL, ${column} = ${column} + $3 WHERE id = $1`,
      [id, targetNodeCount, added],
    );
  }

  /**
   * A node was removed: one fewer in the target and a new version; when the node removed was the
   * last one still rolling out, the rollout is over. Returns the target before.
   */
  @GenerateSql({ params: [SQL, 1, NodeRole.LEAF] })
  async nodeRemoved(m: Queryable, id: number, role: NodeRole = NodeRole.LEAF): Promise<number> {
    const [before]: { target_node_count: number }[] = await m.query(
      `SELECT target_node_count FROM deployments WHERE id = $1`,
      [id],
    );
    const column = ROLE_COUNT_COLUMN[role];
    await m.query(
      `UPDATE deployments SET target_node_count = GREATEST(target_node_count - 1, 0),
         ${column} = ${column} - CASE WHEN ${column} > 0 THEN 1 ELSE 0 END,
         version = version + 1, updated_at = now(),
         finished_at = CASE
           WHEN finished_at IS NULL AND started_at IS NOT NULL AND EXISTS (SELECT 1 FROM nodes WHERE deployment_id = $1)
             AND NOT EXISTS (SELECT 1 FROM nodes WHERE deployment_id = $1 AND state NOT IN ('RUNNING', 'FAILED'))
           THEN now() ELSE finished_at END
       WHERE id = $1`,
      [id],
    );
    return before.target_node_count;
  }

  /** New work for the rollout (retries, waiting nodes): it is not finished any more. */
  @GenerateSql({ params: [1, SQL] })
  async unfinish(id: number, m: Queryable = this.dataSource): Promise<void> {
    await m.query(
      `UPDATE deployments SET finished_at = NULL WHERE id = $1 AND finished_at IS NOT NULL`,
      [id],
    );
  }

  /** Removes the row; false when it was already gone. */
  @GenerateSql({ params: [SQL, 1] })
  async delete(m: Queryable, id: number): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `WITH gone AS (DELETE FROM deployments WHERE id = $1 RETURNING id) SELECT id FROM gone`,
      [id],
    );
    return rows.length > 0;
  }

  /** Nodes entered PROVISIONING: the rollout has started (again). */
  @GenerateSql({ params: [SQL, 1] })
  async markStarted(q: Queryable, id: number): Promise<void> {
    await q.query(
      `UPDATE deployments SET started_at = COALESCE(started_at, now()), finished_at = NULL
       WHERE id = $1`,
      [id],
    );
  }

  /**
   * Sets finished_at when no node of the deployment has a step left (a node held in a later
   * wave of a rollout is still to go).
   */
  @GenerateSql({ params: [SQL, 1] })
  async finishIfDone(q: Queryable, id: number): Promise<void> {
    await q.query(
      `UPDATE deployments SET finished_at = now()
       WHERE id = $1 AND finished_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM nodes WHERE deployment_id = $1
                           AND (next_step_at IS NOT NULL OR state = 'PENDING'))`,
      [id],
    );
  }
}
