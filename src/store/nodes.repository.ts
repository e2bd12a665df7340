import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GenerateSql, SQL } from '../database/generate-sql';
import { NodeRole } from '../domain/node-role';
import { NodeState } from '../domain/node-state';
import { RolloutStatus } from '../domain/rollout';
import { workerMetrics } from '../observability/worker-metrics';
import { ADMISSION_CLAIM_SQL, advanceSql, SHARD_CLAIM_SQL } from './node-transition-sql';
import { Queryable } from './queryable';
import { COUNT_SUMS, countsOf } from './state-counts';

/** What one batch statement did, per shard it touched (node-transition-sql.ts). */
export interface MovedShard {
  shard: number;
  moved: number;
  /** Some node ended its rollout (RUNNING or FAILED). */
  ended: boolean;
  /** Some node entered PROVISIONING. */
  entered: boolean;
  /** The earliest step end of the nodes that entered PROVISIONING, epoch ms. */
  entered_due_ms: number | null;
}

/** The simulation settings and bounds of one batch statement. */
export interface BatchParams {
  deploymentId: number;
  limit: number;
  timeScale: number;
  failureRate: number;
  requestId: string | null;
  shardSize: number;
}

/** A shard with due nodes and its earliest due time (epoch ms). */
export interface DueShard {
  deployment_id: number;
  shard: number;
  due_ms: number;
}

/** Example settings of a batch, for the SQL catalogue. */
const BATCH_EXAMPLE: BatchParams = {
  deploymentId: 1,
  limit: 500,
  timeScale: 1,
  failureRate: 0.05,
  requestId: null,
  shardSize: 256,
};

const SHARD_ADVANCE_SQL = advanceSql(SHARD_CLAIM_SQL);
const ADMISSION_SQL = advanceSql(ADMISSION_CLAIM_SQL);

/** RUNNING nodes of one collection shard of a deployment. */
export interface ShardNodes {
  deploymentId: number;
  shard: number;
  nodes: number;
}

/**
 * Owns the nodes table: the workers' set-based batches and schedules, and the reads telemetry,
 * analytics and the health and metrics routes make; the API's node routes and changes are in
 * node-changes.repository.ts. A node
 * row holds its state and schedule (`next_step_at`); its only indexes are on what a node never
 * changes, so the batches' updates stay heap-only.
 */
/** A deployment's node counts per state and its rollout's status (null without a strategy). */
export interface FleetCounts {
  id: number;
  counts: Record<NodeState, number>;
  rollout: RolloutStatus | null;
}

@Injectable()
export class NodesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  // ---- Reads of the API's other routes ----

  /**
   * The deployment's RUNNING spines and how many spines it has in all, for the simulated uplink
   * load of its leaves, through the partial index of a fabric's spines and border leaves.
   * Nothing is read for a deployment without a topology.
   */
  @GenerateSql({ params: [SQL, 1] })
  async spinesOf(
    m: Queryable,
    deploymentId: number,
  ): Promise<{ total: number; running: { id: number; seq: number }[] }> {
    const rows: { id: number; seq: number; running: boolean }[] = await m.query(
      `SELECT id, seq, state = 'RUNNING' AS running FROM nodes
       WHERE deployment_id = $1 AND role = 'spine'
         AND EXISTS (SELECT 1 FROM deployments WHERE id = $1 AND spine_count > 0)`,
      [deploymentId],
    );
    return {
      total: rows.length,
      running: rows.filter((r) => r.running).map((r) => ({ id: r.id, seq: r.seq })),
    };
  }

  /**
   * Node counts per deployment and state, every deployment included (zeros for one without
   * nodes), in one statement so the figures share a snapshot.
   */
  @GenerateSql({ params: [] })
  async fleetCounts(): Promise<FleetCounts[]> {
    const rows: ({ id: number; rollout: RolloutStatus | null } & Record<string, number | null>)[] =
      await this.dataSource.query(
        `SELECT d.id, ${COUNT_SUMS},
                (SELECT r.status FROM rollouts r WHERE r.deployment_id = d.id) AS rollout
         FROM deployments d LEFT JOIN node_state_counts c ON c.deployment_id = d.id
         GROUP BY d.id`,
      );
    return rows.map((row) => ({ id: row.id, counts: countsOf(row), rollout: row.rollout }));
  }

  /** Deployments with at least one node that is not FAILED. */
  @GenerateSql({ params: [SQL] })
  async activeDeployments(m: Queryable = this.dataSource): Promise<number> {
    const [row]: { n: number }[] = await m.query(
      `SELECT count(DISTINCT deployment_id)::int AS n FROM node_state_counts
       WHERE pending + provisioning + configuring + running > 0`,
    );
    return row.n;
  }

  // ---- The workers' side: batches and schedules ----

  /**
   * One batch of a shard's due nodes (node-transition-sql.ts); under max_parallel (`limited`)
   * only its timed steps.
   */
  @GenerateSql({ params: [SQL, BATCH_EXAMPLE, 1, 256, false] })
  async advanceShard(
    q: Queryable,
    p: BatchParams,
    fromSeq: number,
    toSeq: number,
    limited: boolean,
  ): Promise<MovedShard[]> {
    const rows: MovedShard[] = await q.query(SHARD_ADVANCE_SQL, [
      ...batchValues(p),
      fromSeq,
      toSeq,
      limited,
    ]);
    workerMetrics.observeTransitions(rows);
    return rows;
  }

  /** One batch of the deployment's waiting nodes, lowest node numbers first (admission). */
  @GenerateSql({ params: [SQL, BATCH_EXAMPLE] })
  async admit(q: Queryable, p: BatchParams): Promise<MovedShard[]> {
    const rows: MovedShard[] = await q.query(ADMISSION_SQL, batchValues(p));
    workerMetrics.observeTransitions(rows);
    return rows;
  }

  /** Nodes of the deployment holding a max_parallel slot (PROVISIONING or CONFIGURING). */
  @GenerateSql({ params: [SQL, 1] })
  async activeCount(q: Queryable, deploymentId: number): Promise<number> {
    const [row]: { n: number }[] = await q.query(
      `SELECT count(*)::int AS n FROM nodes
       WHERE deployment_id = $1 AND state IN ('PROVISIONING', 'CONFIGURING')`,
      [deploymentId],
    );
    return row.n;
  }

  /**
   * Whether any node of the shard still has a step to take: scheduled, or PENDING in a wave of a
   * rollout that has not started.
   */
  @GenerateSql({ params: [SQL, 1, 1, 256] })
  async shardBusy(q: Queryable, deploymentId: number, fromSeq: number, toSeq: number) {
    const [row]: { busy: boolean }[] = await q.query(
      `SELECT EXISTS (SELECT 1 FROM nodes WHERE deployment_id = $1 AND seq BETWEEN $2 AND $3
                        AND (next_step_at IS NOT NULL OR state = 'PENDING')) AS busy`,
      [deploymentId, fromSeq, toSeq],
    );
    return row.busy;
  }

  /**
   * The shard's earliest step end, and the database's now. Waiting nodes of a max_parallel
   * deployment (`limited`) do not count: they are admitted when a slot frees.
   */
  @GenerateSql({ params: [1, 1, 256, false] })
  async earliestDue(
    deploymentId: number,
    fromSeq: number,
    toSeq: number,
    limited: boolean,
  ): Promise<{ dueMs: number | null; nowMs: number }> {
    const [row]: { due_ms: number | null; now_ms: number }[] = await this.dataSource.query(
      `SELECT (extract(epoch FROM min(next_step_at)) * 1000)::float8 AS due_ms,
              (extract(epoch FROM now()) * 1000)::float8 AS now_ms
       FROM nodes
       WHERE deployment_id = $1 AND seq BETWEEN $2 AND $3 AND next_step_at IS NOT NULL
         AND (state IN ('PROVISIONING', 'CONFIGURING') OR NOT $4::boolean)`,
      [deploymentId, fromSeq, toSeq, limited],
    );
    return { dueMs: row.due_ms, nowMs: row.now_ms };
  }

  /**
   * Shards of the deployment holding due PENDING nodes or FAILED nodes marked for retry, in
   * order, with the deployment's max_parallel.
   */
  @GenerateSql({ params: [1, 256] })
  async waitingShards(
    deploymentId: number,
    shardSize: number,
  ): Promise<{ shard: number; due_ms: number; max_parallel: number | null }[]> {
    return this.dataSource.query(
      `SELECT (n.seq - 1) / $2 AS shard,
              (extract(epoch FROM min(n.next_step_at)) * 1000)::float8 AS due_ms,
              min(d.max_parallel) AS max_parallel
       FROM nodes n JOIN deployments d ON d.id = n.deployment_id
       WHERE n.deployment_id = $1 AND n.next_step_at IS NOT NULL
         AND n.state IN ('PENDING', 'FAILED')
       GROUP BY 1 ORDER BY 1`,
      [deploymentId, shardSize],
    );
  }

  /**
   * Shards, fleet-wide, whose earliest due node is over `graceMs` late: a timed node past its
   * step end, or a waiting node that may be admitted (no max_parallel, or a free slot under it).
   */
  @GenerateSql({ params: [256, 5000] })
  async overdueShards(shardSize: number, graceMs: number): Promise<DueShard[]> {
    return this.dataSource.query(
      `WITH active AS (
         SELECT deployment_id, count(*)::int AS n FROM nodes
         WHERE state IN ('PROVISIONING', 'CONFIGURING')
           AND deployment_id IN (SELECT id FROM deployments WHERE max_parallel IS NOT NULL)
         GROUP BY deployment_id
       )
       SELECT n.deployment_id, (n.seq - 1) / $1 AS shard,
              (extract(epoch FROM min(n.next_step_at)) * 1000)::float8 AS due_ms
       FROM nodes n
       JOIN deployments d ON d.id = n.deployment_id
       LEFT JOIN active a ON a.deployment_id = n.deployment_id
       WHERE n.next_step_at <= now() - $2 * interval '1 millisecond'
         AND (n.state IN ('PROVISIONING', 'CONFIGURING') OR d.max_parallel IS NULL
              OR d.max_parallel > COALESCE(a.n, 0))
       GROUP BY 1, 2`,
      [shardSize, graceMs],
    );
  }

  // ---- Reads for telemetry and analytics: which node ids a push may write, which nodes a
  // collection tick samples, the names and roles of flagged nodes ----

  /** Which of `ids` are nodes of the deployment (any state). */
  @GenerateSql({ params: [SQL, 1, [17, 18]] })
  async nodeIdsOf(
    m: Queryable,
    deploymentId: number,
    ids: ArrayLike<number>,
  ): Promise<Set<number>> {
    const known: { id: number }[] = await m.query(
      `SELECT id FROM nodes WHERE deployment_id = $1 AND id = ANY($2::int[])`,
      [deploymentId, [...new Set(Array.from(ids))]],
    );
    return new Set(known.map((k) => k.id));
  }

  /** RUNNING nodes per deployment and shard (`shardSize` node numbers each), in order. */
  @GenerateSql({ params: [256] })
  async runningNodesPerShard(shardSize: number): Promise<ShardNodes[]> {
    const rows: { deployment_id: number; shard: number; nodes: number }[] =
      await this.dataSource.query(
        `SELECT deployment_id, (seq - 1) / $1 AS shard, count(*)::int AS nodes
         FROM nodes WHERE state = 'RUNNING'
         GROUP BY 1, 2 ORDER BY 1, 2`,
        [shardSize],
      );
    return rows.map((r) => ({ deploymentId: r.deployment_id, shard: r.shard, nodes: r.nodes }));
  }

  /**
   * The RUNNING nodes of one shard: node numbers shard*size+1 .. (shard+1)*size, with their
   * roles, and whether the deployment has a topology (read once, in the same statement).
   */
  @GenerateSql({ params: [SQL, 1, 0, 256] })
  async runningNodesOfShard(
    m: Queryable,
    deploymentId: number,
    shard: number,
    shardSize: number,
  ): Promise<{ id: number; seq: number; role: NodeRole; fabric: boolean }[]> {
    return m.query(
      `SELECT id, seq, role,
              (SELECT spine_count IS NOT NULL FROM deployments WHERE id = $1) AS fabric
       FROM nodes
       WHERE deployment_id = $1 AND seq BETWEEN $2 AND $3 AND state = 'RUNNING'`,
      [deploymentId, shard * shardSize + 1, (shard + 1) * shardSize],
    );
  }

  /** Names (node-001) of the given node ids: flagged nodes the window rows did not name. */
  @GenerateSql({ params: [[17, 18]] })
  async nodeNames(ids: number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows: { id: number; node_id: string }[] = await this.dataSource.query(
      `SELECT id, node_id FROM nodes WHERE id = ANY($1::int[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.node_id]));
  }

  /** Roles of the given node ids (flagged nodes of a fabric scored against the deployment). */
  @GenerateSql({ params: [[17, 18]] })
  async nodeRoles(ids: number[]): Promise<Map<number, NodeRole>> {
    if (ids.length === 0) return new Map();
    const rows: { id: number; role: NodeRole }[] = await this.dataSource.query(
      `SELECT id, role FROM nodes WHERE id = ANY($1::int[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.role]));
  }
}

/** $1..$6 of every batch statement (node-transition-sql.ts). */
function batchValues(p: BatchParams): unknown[] {
  return [p.deploymentId, p.limit, p.timeScale, p.failureRate, p.requestId, p.shardSize];
}
