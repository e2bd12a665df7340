import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SampleColumns } from './sample-columns';
import {
  expiredPartitions,
  PARTITIONED_TABLES,
  partitionsCovering,
} from '../store/telemetry-partitions';
import { PREFIX_FOLD_LOCK_CLASS } from './telemetry.constants';

const HOUR_MS = 3_600_000;
/** How far ahead of now pushed samples may be stamped (device clock skew). */
export const MAX_FUTURE_SKEW_MS = HOUR_MS;
/** Partitions exist this far ahead, so a late maintenance run never leaves writes homeless. */
export const PARTITIONS_AHEAD_MS = 3 * 24 * HOUR_MS;
/** Collection markers outlive any retry of a shard job by far. */
const SHARD_TICK_MARKER_TTL_MS = 24 * HOUR_MS;

const NO_PARTITION = '23514';

/** A PostgreSQL array literal of numbers; Number#toString round-trips every double exactly. */
function numberArray(values: ArrayLike<number>): string {
  return `{${Array.prototype.join.call(values, ',')}}`;
}

function pgCode(error: unknown): string | undefined {
  const e = error as { code?: string; driverError?: { code?: string } };
  return e.driverError?.code ?? e.code;
}

/** What {@link TelemetryStorageService.write} stores: columns, one instant or one per sample. */
export interface SampleBatch {
  nodeIds: ArrayLike<number>;
  timestamps: Date[] | Date;
  latency: ArrayLike<number>;
  throughput: ArrayLike<number>;
  errorRate: ArrayLike<number>;
}

export interface PartitionMaintenance {
  created: string[];
  dropped: string[];
}

/**
 * Owns the telemetry tables: their daily partitions, retention, the one bulk write path (one
 * INSERT ... SELECT FROM unnest per batch) and deletes.
 *
 * Writers take KEY SHARE on the deployment row and deletes take FOR UPDATE on it before
 * removing samples, so a sample written for a node that a concurrent transaction deletes is
 * either never written or removed by that delete: no orphan rows, with one row lock per batch
 * instead of one per node.
 */
@Injectable()
export class TelemetryStorageService implements OnApplicationBootstrap {
  private readonly logger = new Logger(TelemetryStorageService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Every process makes sure today's and the coming days' partitions exist before serving. */
  async onApplicationBootstrap(): Promise<void> {
    await this.ensurePartitions();
  }

  /** The instants a stored sample may carry: within retention, at most an hour ahead. */
  acceptedWindow(now = new Date()): { oldest: Date; newest: Date } {
    return {
      oldest: new Date(now.getTime() - this.config.telemetryRetentionHours * HOUR_MS),
      newest: new Date(now.getTime() + MAX_FUTURE_SKEW_MS),
    };
  }

  /** Creates every daily partition of every telemetry table from the retention horizon to a few days ahead. */
  async ensurePartitions(now = new Date()): Promise<string[]> {
    const { oldest } = this.acceptedWindow(now);
    const until = new Date(now.getTime() + PARTITIONS_AHEAD_MS);
    const created: string[] = [];
    for (const table of PARTITIONED_TABLES) {
      const existing = new Set(await this.partitionsOf(table));
      for (const p of partitionsCovering(oldest, until, table)) {
        if (existing.has(p.name)) continue;
        try {
          await this.dataSource.query(
            `CREATE TABLE IF NOT EXISTS ${p.name} PARTITION OF ${table}
             FOR VALUES FROM ('${p.from.toISOString()}') TO ('${p.to.toISOString()}')`,
          );
          created.push(p.name);
        } catch (error) {
          // Another process created it at the same moment.
          const code = pgCode(error);
          if (code !== '42P07' && code !== '23505') throw error;
        }
      }
    }
    if (created.length > 0) this.logger.log(`Created telemetry partitions ${created.join(', ')}`);
    return created;
  }

  /**
   * Drops whole daily partitions that ended before the retention horizon: no DELETE scans.
   * A short lock timeout keeps a busy table from stalling writers behind the drop; the next
   * run retries.
   */
  async dropExpiredPartitions(now = new Date()): Promise<string[]> {
    const { oldest } = this.acceptedWindow(now);
    const dropped: string[] = [];
    for (const table of PARTITIONED_TABLES) {
      for (const name of expiredPartitions(await this.partitionsOf(table), table, oldest)) {
        try {
          await this.dataSource.transaction(async (m) => {
            await m.query(`SET LOCAL lock_timeout = '5s'`);
            await m.query(`DROP TABLE IF EXISTS ${name}`);
          });
          dropped.push(name);
        } catch (error) {
          this.logger.warn(`Could not drop ${name} yet: ${(error as Error).message}`);
        }
      }
    }
    if (dropped.length > 0) this.logger.log(`Dropped expired partitions ${dropped.join(', ')}`);
    return dropped;
  }

  /** Creates partitions ahead, drops expired ones and forgets old collection markers. */
  async maintain(now = new Date()): Promise<PartitionMaintenance> {
    const created = await this.ensurePartitions(now);
    const dropped = await this.dropExpiredPartitions(now);
    await this.dataSource.query(`DELETE FROM telemetry_shard_ticks WHERE tick_at < $1`, [
      new Date(now.getTime() - SHARD_TICK_MARKER_TTL_MS),
    ]);
    return { created, dropped };
  }

  private async partitionsOf(table: string): Promise<string[]> {
    const rows: { name: string }[] = await this.dataSource.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = to_regclass($1)`,
      [table],
    );
    return rows.map((r) => r.name);
  }

  /**
   * Runs `work` in a transaction; a write that finds no partition for its day (the service was
   * down for days, the clock jumped) creates the partitions and runs once more.
   */
  async transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(work);
    } catch (error) {
      if (pgCode(error) !== NO_PARTITION) throw error;
      await this.ensurePartitions();
      return this.dataSource.transaction(work);
    }
  }

  /**
   * Holds the deployment against deletes until commit (see the class comment). Returns false
   * when the deployment no longer exists.
   */
  async lockDeployment(m: EntityManager, deploymentId: number): Promise<boolean> {
    const rows: unknown[] = await m.query(`SELECT 1 FROM deployments WHERE id = $1 FOR KEY SHARE`, [
      deploymentId,
    ]);
    return rows.length > 0;
  }

  /**
   * Stores a batch with one INSERT ... SELECT FROM unnest, keeping only samples of nodes that
   * exist in the deployment. Returns how many rows were stored.
   */
  async insert(m: EntityManager, deploymentId: number, columns: SampleColumns): Promise<number> {
    if (!(await this.lockDeployment(m, deploymentId))) return 0;
    return this.write(m, deploymentId, columns, true);
  }

  /**
   * The bulk statement. The caller holds the deployment lock; `checkNodes` joins the batch to
   * the deployment's nodes when the caller has not just read them itself. `timestamps` may be
   * one instant for the whole batch (a collection tick).
   */
  async write(
    m: EntityManager,
    deploymentId: number,
    columns: SampleBatch,
    checkNodes: boolean,
  ): Promise<number> {
    if (columns.nodeIds.length === 0) return 0;
    const single = columns.timestamps instanceof Date;
    const timestamps = single
      ? columns.timestamps
      : `{${(columns.timestamps as Date[]).map((d) => d.toISOString()).join(',')}}`;
    const join = checkNodes
      ? `JOIN nodes n ON n.id = b.node_id AND n.deployment_id = $1`
      : `WHERE b.node_id IS NOT NULL`;
    const result: { n: number }[] = await m.query(
      `WITH batch AS (
         SELECT * FROM unnest($2::int[], $3::float8[], $4::float8[], $5::float8[]${single ? '' : ', $6::timestamptz[]'})
           AS u(node_id, latency_ms, throughput_gbps, error_rate${single ? '' : ', ts'})
       ), stored AS (
         INSERT INTO telemetry_samples (deployment_id, node_id, "timestamp", latency_ms, throughput_gbps, error_rate)
         SELECT $1, b.node_id, ${single ? '$6::timestamptz' : 'b.ts'}, b.latency_ms, b.throughput_gbps, b.error_rate
         FROM batch b ${join}
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM stored`,
      [
        deploymentId,
        numberArray(columns.nodeIds),
        numberArray(columns.latency),
        numberArray(columns.throughput),
        numberArray(columns.errorRate),
        timestamps,
      ],
    );
    return result[0].n;
  }

  /**
   * Claims (deployment, shard, tick) for this transaction; false when a previous run of the
   * same shard job already stored that tick.
   */
  async claimShardTick(
    m: EntityManager,
    deploymentId: number,
    shard: number,
    tickAt: Date,
    nodes: number,
  ): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `INSERT INTO telemetry_shard_ticks (tick_at, deployment_id, shard, nodes)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1`,
      [tickAt, deploymentId, shard, nodes],
    );
    return rows.length > 0;
  }

  /**
   * Removes stored telemetry of a whole deployment or one node, inside the caller's
   * transaction (deletes of nodes and deployments), from every telemetry table. Locks the
   * deployment row first, so batches being written right now commit before and are removed
   * here, and later batches wait and then no longer see the deleted nodes.
   */
  async deleteSamples(
    m: EntityManager,
    filter: { deploymentId: number; nodeId?: number },
  ): Promise<void> {
    await m.query(`SELECT 1 FROM deployments WHERE id = $1 FOR UPDATE`, [filter.deploymentId]);
    // And after any running-sum fold of the deployment in progress (telemetry-prefix.service).
    await m.query(`SELECT pg_advisory_xact_lock($1, $2)`, [
      PREFIX_FOLD_LOCK_CLASS,
      filter.deploymentId,
    ]);
    for (const table of PARTITIONED_TABLES) {
      if (filter.nodeId === undefined) {
        await m.query(`DELETE FROM ${table} WHERE deployment_id = $1`, [filter.deploymentId]);
      } else if (table === 'telemetry_rollup_groups') {
        // Group rollups hold no node rows: rebuild the node's group from the minute rollups left.
        await m.query(`SELECT telemetry_rollup_groups_rebuild($1, $2)`, [
          filter.deploymentId,
          filter.nodeId,
        ]);
      } else {
        await m.query(`DELETE FROM ${table} WHERE deployment_id = $1 AND node_id = $2`, [
          filter.deploymentId,
          filter.nodeId,
        ]);
      }
    }
    if (filter.nodeId === undefined) {
      await m.query(`DELETE FROM telemetry_shard_ticks WHERE deployment_id = $1`, [
        filter.deploymentId,
      ]);
    } else {
      // The deployment's 10-second sample moments held the node's samples: fold them again.
      await m.query(`UPDATE telemetry_prefix_marks SET until = since WHERE deployment_id = $1`, [
        filter.deploymentId,
      ]);
    }
  }
}
