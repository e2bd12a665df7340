import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { NODE_STATES, NodeState } from '../domain/node-state';
import { RolloutStatus, RolloutStrategy } from '../domain/rollout';
import { NodeRole } from '../domain/node-role';
import { DeploymentEntity } from './deployment.entity';
import { COUNT_SUMS, emptyStateCounts } from './state-counts';
import { Queryable } from './queryable';

/** What a new deployment row holds; the rest is defaulted by the database. */
export interface NewDeployment {
  name: string;
  description: string | null;
  targetNodeCount: number;
  maxParallel: number | null;
  /** Nodes per role of a fabric; all null (or left out) for a deployment without a topology. */
  spineCount?: number | null;
  leafCount?: number | null;
  borderLeafCount?: number | null;
}

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
    'border_leaf_count', d.border_leaf_count,
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

/** A row of DETAIL_SQL, parsed. */
interface DetailJson {
  id: number;
  name: string;
  description: string | null;
  target_node_count: number;
  max_parallel: number | null;
  version: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  spine_count: number | null;
  leaf_count: number | null;
  border_leaf_count: number | null;
  /** In NODE_STATES order. */
  counts: number[];
  rollout: RolloutColumns | null;
}

/** What detail and list read: the deployment, its counts per state and its rollout. */
export interface DeploymentWithCounts {
  deployment: DeploymentEntity;
  counts: Record<NodeState, number>;
  rollout: RolloutColumns | null;
}

/** DeploymentWithCounts from DETAIL_SQL's text; null without a row. */
function detailOf(row: { detail: string } | undefined): DeploymentWithCounts | null {
  if (!row) return null;
  const d = JSON.parse(row.detail) as DetailJson;
  const date = (ms: number | null) => (ms === null ? null : new Date(ms));
  const deployment = Object.assign(new DeploymentEntity(), {
    id: d.id,
    name: d.name,
    description: d.description,
    targetNodeCount: d.target_node_count,
    maxParallel: d.max_parallel,
    version: d.version,
    createdAt: new Date(d.created_at),
    updatedAt: new Date(d.updated_at),
    startedAt: date(d.started_at),
    finishedAt: date(d.finished_at),
    spineCount: d.spine_count,
    leafCount: d.leaf_count,
    borderLeafCount: d.border_leaf_count,
  });
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

const manager = (m: Queryable | undefined, fallback: EntityManager): EntityManager =>
  m !== undefined && 'getRepository' in m ? (m as EntityManager) : fallback;

/**
 * Owns the deployments table: every statement that reads or writes it. Row locks on it are the
 * lock service's (store/locks.ts).
 */
@Injectable()
export class DeploymentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(m: EntityManager, row: NewDeployment): Promise<DeploymentEntity> {
    const repository = m.getRepository(DeploymentEntity);
    return repository.save(repository.create(row));
  }

  /** Newest first. */
  /** A page of deployments, newest first, each with its counts and rollout (one statement). */
  async list(skip: number, limit: number): Promise<DeploymentWithCounts[]> {
    const rows: { detail: string }[] = await this.dataSource.query(LIST_SQL, [skip, limit]);
    return rows.map((row) => detailOf(row)!);
  }

  /** The deployment, read in the caller's transaction when one is given; null when gone. */
  async find(id: number, m?: Queryable): Promise<DeploymentEntity | null> {
    return manager(m, this.dataSource.manager).getRepository(DeploymentEntity).findOneBy({ id });
  }

  /**
   * The deployment with its node counts per state and its rollout, in one statement: primary-key
   * probes and the deployment's few counts rows (node_state_counts), never its nodes; the figures
   * in one JSON column (DETAIL_SQL). GET /deployments/{id} is the API's hottest read: a named
   * statement straight on the pool, so PostgreSQL plans it once per connection and no query
   * runner is built for it; a promise chain rather than an async function. Null when gone.
   */
  detail(id: number): Promise<DeploymentWithCounts | null> {
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    return pool
      .query<{ detail: string }>({ name: 'deployment-detail', text: DETAIL_SQL, values: [id] })
      .then(({ rows }) => detailOf(rows[0]));
  }

  /** Whether the deployment exists (one primary-key probe). */
  async exists(id: number, m: Queryable = this.dataSource): Promise<boolean> {
    const rows: unknown[] = await m.query(`SELECT 1 FROM deployments WHERE id = $1`, [id]);
    return rows.length > 0;
  }

  async rename(
    m: Queryable,
    id: number,
    change: { name: string; description: string | null },
  ): Promise<void> {
    await m.query(
      `UPDATE deployments SET name = $2, description = $3, version = version + 1, updated_at = now()
       WHERE id = $1`,
      [id, change.name, change.description],
    );
  }

  /**
   * Nodes were added: the new target, a new version, and the rollout is running again. A
   * fabric also counts `added` more nodes of `role` (a deployment without a topology keeps null).
   */
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
  async unfinish(id: number, m: Queryable = this.dataSource): Promise<void> {
    await m.query(
      `UPDATE deployments SET finished_at = NULL WHERE id = $1 AND finished_at IS NOT NULL`,
      [id],
    );
  }

  /** Removes the row; false when it was already gone. */
  async delete(m: Queryable, id: number): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `WITH gone AS (DELETE FROM deployments WHERE id = $1 RETURNING id) SELECT id FROM gone`,
      [id],
    );
    return rows.length > 0;
  }

  /** Nodes entered PROVISIONING: the rollout has started (again). */
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
