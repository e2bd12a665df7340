import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { NODE_NUMBER_SQL, NodeRef } from '../domain/node-ref';
import { NodeRole } from '../domain/node-role';
import { NodeState } from '../domain/node-state';
import { workerMetrics } from '../observability/worker-metrics';
import { NodeEntity } from './node.entity';
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

const SHARD_ADVANCE_SQL = advanceSql(SHARD_CLAIM_SQL);
const ADMISSION_SQL = advanceSql(ADMISSION_CLAIM_SQL);

/** RUNNING nodes of one collection shard of a deployment. */
export interface ShardNodes {
  deploymentId: number;
  shard: number;
  nodes: number;
}

/**
 * Owns the nodes table: the API's reads and changes, and the workers' set-based batches. A node
 * row holds its state and schedule (`next_step_at`); its only indexes are on what a node never
 * changes, so the batches' updates stay heap-only.
 */
@Injectable()
export class NodesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  // ---- The API's side ----

  /**
   * Inserts nodes fromSeq..toSeq as PENDING, due now, in one statement. Without `planned` they
   * are the leaves of a deployment without a topology (host names switch-<deployment>-<number>);
   * with it, nodes of that role with the given host names, in order.
   * Nodes numbered after `dueUpTo` are held (no next_step_at: no claim sees them), for the
   * later waves of a rollout strategy.
   */
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

  /** Nodes of a deployment in node-number order, with the count of all that match. */
  async list(
    deploymentId: number,
    filter: { state?: NodeState; role?: NodeRole; skip?: number; limit?: number },
  ): Promise<{ nodes: NodeEntity[]; total: number }> {
    const where = {
      deploymentId,
      ...(filter.state ? { state: filter.state } : {}),
      ...(filter.role ? { role: filter.role } : {}),
    };
    const [nodes, total] = await this.dataSource.getRepository(NodeEntity).findAndCount({
      where,
      order: { seq: 'ASC' },
      skip: filter.skip ?? 0,
      take: filter.limit,
    });
    return { nodes, total };
  }

  /**
   * The number the next host name of `role` takes: one past the highest `<role>-<n>` host name
   * of the deployment, and past the count of its nodes of that role (renamed nodes).
   */
  async nextRoleOrdinal(m: Queryable, deploymentId: number, role: NodeRole): Promise<number> {
    const [row]: { next: number }[] = await m.query(
      `SELECT GREATEST(count(*), COALESCE(max(substring(hostname FROM '^' || $2 || '-([0-9]{1,9})$')::int), 0))::int + 1 AS next
       FROM nodes WHERE deployment_id = $1 AND role = $2`,
      [deploymentId, role],
    );
    return row.next;
  }

  /**
   * The deployment's RUNNING spines and how many spines it has in all, for the simulated uplink
   * load of its leaves, through the partial index of a fabric's spines and border leaves.
   * Nothing is read for a deployment without a topology.
   */
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

  /** The node a URL names (id or number) in the deployment, or null. */
  async findByRef(m: Queryable | undefined, deploymentId: number, ref: NodeRef) {
    const manager = m && 'getRepository' in m ? m : this.dataSource.manager;
    return (manager as DataSource['manager'])
      .getRepository(NodeEntity)
      .findOneBy(ref.kind === 'id' ? { deploymentId, id: ref.id } : { deploymentId, seq: ref.seq });
  }

  async findById(m: Queryable | undefined, id: number): Promise<NodeEntity | null> {
    const manager = m && 'getRepository' in m ? m : this.dataSource.manager;
    return (manager as DataSource['manager']).getRepository(NodeEntity).findOneBy({ id });
  }

  /** How many nodes the deployment has and its highest node number. */
  async countAndTop(m: Queryable, deploymentId: number): Promise<{ n: number; top: number }> {
    const [row]: { n: number; top: number }[] = await m.query(
      `SELECT count(*)::int AS n, COALESCE(max(seq), 0)::int AS top FROM nodes WHERE deployment_id = $1`,
      [deploymentId],
    );
    return row;
  }

  /** The deployment's nodes numbered after `seq`, in order. */
  async listAfter(m: Queryable, deploymentId: number, seq: number): Promise<NodeEntity[]> {
    const manager = 'getRepository' in m ? m : this.dataSource.manager;
    return (manager as DataSource['manager'])
      .getRepository(NodeEntity)
      .createQueryBuilder('n')
      .where('n.deployment_id = :deploymentId AND n.seq > :seq', { deploymentId, seq })
      .orderBy('n.seq', 'ASC')
      .getMany();
  }

  /** False when the node is gone. */
  async setHostname(m: Queryable, id: number, hostname: string): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `WITH changed AS (UPDATE nodes SET hostname = $2, updated_at = now() WHERE id = $1 RETURNING id)
       SELECT id FROM changed`,
      [id, hostname],
    );
    return rows.length > 0;
  }

  /** Removes the node; its state when it went, or null when it was already gone. */
  async delete(m: Queryable, id: number): Promise<NodeState | null> {
    const rows: { state: NodeState }[] = await m.query(
      `WITH gone AS (DELETE FROM nodes WHERE id = $1 RETURNING state) SELECT state FROM gone`,
      [id],
    );
    return rows[0]?.state ?? null;
  }

  /** Removes every node of the deployment; how many went. */
  async deleteAll(m: Queryable, deploymentId: number): Promise<number> {
    const rows: { n: number }[] = await m.query(
      `WITH gone AS (DELETE FROM nodes WHERE deployment_id = $1 RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [deploymentId],
    );
    return rows[0].n;
  }

  /**
   * Marks a FAILED node for retry (attempt + 1, due now); its new attempt, or null when the node
   * is not FAILED or already marked.
   */
  async markForRetry(m: Queryable, id: number): Promise<number | null> {
    const rows: { attempt: number }[] = await m.query(
      `WITH marked AS (
         UPDATE nodes SET attempt = attempt + 1, next_step_at = now(), updated_at = now()
         WHERE id = $1 AND state = 'FAILED' AND next_step_at IS NULL RETURNING attempt
       )
       SELECT attempt FROM marked`,
      [id],
    );
    return rows[0]?.attempt ?? null;
  }

  /** Marks every FAILED node of the deployment not already marked; the nodes marked, by id. */
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

  /**
   * Node counts per deployment and state, every deployment included (zeros for one without
   * nodes), in one statement so the figures share a snapshot.
   */
  async fleetCounts(): Promise<{ id: number; counts: Record<NodeState, number> }[]> {
    const rows: ({ id: number } & Record<string, number | null>)[] = await this.dataSource.query(
      `SELECT d.id, ${COUNT_SUMS}
       FROM deployments d LEFT JOIN node_state_counts c ON c.deployment_id = d.id
       GROUP BY d.id`,
    );
    return rows.map((row) => ({ id: row.id, counts: countsOf(row) }));
  }

  /** Deployments with at least one node that is not FAILED. */
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
  async admit(q: Queryable, p: BatchParams): Promise<MovedShard[]> {
    const rows: MovedShard[] = await q.query(ADMISSION_SQL, batchValues(p));
    workerMetrics.observeTransitions(rows);
    return rows;
  }

  /** Nodes of the deployment holding a max_parallel slot (PROVISIONING or CONFIGURING). */
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
  async nodeNames(ids: number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows: { id: number; node_id: string }[] = await this.dataSource.query(
      `SELECT id, node_id FROM nodes WHERE id = ANY($1::int[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.node_id]));
  }

  /** Roles of the given node ids (flagged nodes of a fabric scored against the deployment). */
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
