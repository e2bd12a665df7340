import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GenerateSql, SQL } from '../database/generate-sql';
import { Metric } from '../domain/telemetry-metrics';
import { LockService } from './locks';
import { Queryable } from './queryable';
import { PARTITIONED_TABLES, partitionsCovering } from './telemetry-partitions';

/**
 * A PostgreSQL array literal of numbers; Number#toString round-trips every double exactly. A
 * missing metric (null, or NaN in a Float64Array column) is NULL.
 */
function numberArray(values: ArrayLike<number | null>): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    out += v === null || Number.isNaN(v) ? 'NULL' : String(v);
  }
  return out + '}';
}

function pgCode(error: unknown): string | undefined {
  const e = error as { code?: string; driverError?: { code?: string } };
  return e.driverError?.code ?? e.code;
}

/**
 * Whether a write failed because no partition holds one of its instants (the service was down
 * for days, the clock jumped): ensuring the partitions and writing again then succeeds.
 */
export function isMissingPartition(error: unknown): boolean {
  return pgCode(error) === '23514';
}

/** What {@link TelemetryRepository.write} stores: columns, one instant or one per sample. */
export interface SampleBatch {
  nodeIds: ArrayLike<number>;
  timestamps: Date[] | Date;
  /** Per metric: null (or NaN) where the sample lacks it; every sample has at least one. */
  latency: ArrayLike<number | null>;
  throughput: ArrayLike<number | null>;
  errorRate: ArrayLike<number | null>;
}

/** One stored sample as PostgreSQL returns it. */
export interface SampleRow {
  id: number;
  node_id: number;
  deployment_id: number;
  timestamp: Date;
  latency_ms: number | null;
  throughput_gbps: number | null;
  error_rate: number | null;
}

/** Which samples {@link TelemetryRepository.listSamples} returns, newest first. */
export interface SampleFilter {
  nodeId?: number;
  /** Inclusive bounds. */
  start?: Date | null;
  end?: Date | null;
  limit: number;
}

/** One metric over the given ranges in epoch-aligned buckets of `bucketMs`. */
export interface SeriesFilter {
  metric: Metric;
  /** Half-open [from, to) ranges; their samples are bucketed together. */
  ranges: { from: Date; to: Date }[];
  bucketMs: number;
  nodeId?: number;
  /** Whether to compute the 95th percentile (null otherwise). */
  p95: boolean;
}

export interface SeriesBucketRow {
  t: Date;
  avg: number;
  p95: number | null;
  max: number;
  count: number;
}

/** The catalogue's instants: a minute of one day's samples, and the end of that day. */
const AT = new Date('2026-11-27T10:05:00.000Z');
const DAY_END = new Date('2026-11-27T23:59:59.999Z');

/**
 * Owns the telemetry tables: the samples and every table derived from them (for deletes), their
 * daily partitions, the collection markers (telemetry_shard_ticks), the one bulk write path (one
 * INSERT ... SELECT FROM unnest per batch), sample reads and deletes.
 *
 * Writers hold the deployment row KEY SHARE (LockService.keyShare) and deletes hold it FOR
 * UPDATE (LockService.deploymentRow) before removing samples, so a sample written for a node that a
 * concurrent transaction deletes is either never written or removed by that delete: no orphan
 * rows, with one row lock per batch instead of one per node.
 */
@Injectable()
export class TelemetryRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly locks: LockService,
  ) {}

  /** The partitions of one partitioned table, by name. */
  @GenerateSql({ params: ['telemetry_samples'] })
  async listPartitions(table: string): Promise<string[]> {
    const rows: { name: string }[] = await this.dataSource.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = to_regclass($1)`,
      [table],
    );
    return rows.map((r) => r.name);
  }

  /**
   * Creates every missing daily partition of every telemetry table covering [from, until];
   * returns the ones this call created.
   */
  @GenerateSql({ params: [AT, DAY_END] })
  async ensurePartitions(from: Date, until: Date): Promise<string[]> {
    const created: string[] = [];
    for (const table of PARTITIONED_TABLES) {
      const existing = new Set(await this.listPartitions(table));
      for (const p of partitionsCovering(from, until, table)) {
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
    return created;
  }

  /**
   * Drops one partition in a transaction of its own. A short lock timeout keeps a busy table
   * from stalling writers behind the drop; it throws then, and a later run retries.
   */
  @GenerateSql({ params: ['telemetry_samples_p20261120'] })
  async dropPartition(name: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query(`SET LOCAL lock_timeout = '5s'`);
      await m.query(`DROP TABLE IF EXISTS ${name}`);
    });
  }

  /** Forgets collection markers of ticks before `before`. */
  @GenerateSql({ params: [AT] })
  async forgetShardTicksBefore(before: Date): Promise<void> {
    await this.dataSource.query(`DELETE FROM telemetry_shard_ticks WHERE tick_at < $1`, [before]);
  }

  /**
   * The bulk statement: one INSERT ... SELECT FROM unnest. The caller holds the deployment row
   * KEY SHARE and has checked that every node id is a node of the deployment. `timestamps` may
   * be one instant for the whole batch (a collection tick). Returns how many rows were stored.
   */
  @GenerateSql(
    {
      name: 'one instant for the batch',
      params: [
        SQL,
        7,
        {
          nodeIds: [1, 2],
          timestamps: AT,
          latency: [1.5, 2],
          throughput: [9, 8],
          errorRate: [0, 0.01],
        },
      ],
      rows: [[{ n: 2 }]],
    },
    {
      name: 'a timestamp per sample',
      params: [
        SQL,
        7,
        { nodeIds: [1], timestamps: [AT], latency: [1.5], throughput: [9], errorRate: [0] },
      ],
      rows: [[{ n: 1 }]],
    },
    {
      name: 'empty batch',
      params: [SQL, 7, { nodeIds: [], timestamps: [], latency: [], throughput: [], errorRate: [] }],
    },
  )
  async write(m: Queryable, deploymentId: number, columns: SampleBatch): Promise<number> {
    if (columns.nodeIds.length === 0) return 0;
    const single = columns.timestamps instanceof Date;
    const timestamps = single
      ? columns.timestamps
      : `{${(columns.timestamps as Date[]).map((d) => d.toISOString()).join(',')}}`;
    const result: { n: number }[] = await m.query(
      `WITH batch AS (
         SELECT * FROM unnest($2::int[], $3::float8[], $4::float8[], $5::float8[]${single ? '' : ', $6::timestamptz[]'})
           AS u(node_id, latency_ms, throughput_gbps, error_rate${single ? '' : ', ts'})
       ), stored AS (
         INSERT INTO telemetry_samples (deployment_id, node_id, "timestamp", latency_ms, throughput_gbps, error_rate)
         SELECT $1, b.node_id, ${single ? '$6::timestamptz' : 'b.ts'}, b.latency_ms, b.throughput_gbps, b.error_rate
         FROM batch b WHERE b.node_id IS NOT NULL
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
  @GenerateSql({ params: [SQL, 7, 3, AT, 1000] })
  async claimShardTick(
    m: Queryable,
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

  /** Newest first, through the (deployment, time) or (node, time) index. */
  @GenerateSql(
    { name: 'deployment', params: [7, { limit: 100 }] },
    {
      name: 'one node, both bounds',
      params: [7, { nodeId: 42, start: AT, end: DAY_END, limit: 100 }],
    },
  )
  async listSamples(deploymentId: number, filter: SampleFilter): Promise<SampleRow[]> {
    const params: unknown[] = [deploymentId];
    const where = ['deployment_id = $1'];
    if (filter.nodeId !== undefined) {
      params.push(filter.nodeId);
      where.push(`node_id = $${params.length}`);
    }
    if (filter.start) {
      params.push(filter.start);
      where.push(`"timestamp" >= $${params.length}`);
    }
    if (filter.end) {
      params.push(filter.end);
      where.push(`"timestamp" <= $${params.length}`);
    }
    params.push(filter.limit);
    return this.dataSource.query(
      `SELECT id, node_id, deployment_id, "timestamp", latency_ms, throughput_gbps, error_rate
       FROM telemetry_samples WHERE ${where.join(' AND ')}
       ORDER BY "timestamp" DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }

  /**
   * Time buckets of one metric over the samples that carry it, aggregated in PostgreSQL; empty
   * buckets are left out.
   */
  @GenerateSql(
    {
      name: 'with p95',
      params: [
        7,
        { metric: 'latency_ms', ranges: [{ from: AT, to: DAY_END }], bucketMs: 60_000, p95: true },
      ],
    },
    {
      name: 'one node, two ranges',
      params: [
        7,
        {
          metric: 'throughput_gbps',
          ranges: [
            { from: AT, to: new Date('2026-11-27T10:06:00.000Z') },
            { from: new Date('2026-11-27T10:59:00.000Z'), to: DAY_END },
          ],
          bucketMs: 10_000,
          nodeId: 42,
          p95: false,
        },
      ],
    },
    {
      name: 'no ranges',
      params: [7, { metric: 'error_rate', ranges: [], bucketMs: 60_000, p95: false }],
    },
  )
  async series(deploymentId: number, filter: SeriesFilter): Promise<SeriesBucketRow[]> {
    if (filter.ranges.length === 0) return [];
    const params: unknown[] = [deploymentId, `${filter.bucketMs / 1000} seconds`];
    const ranges = filter.ranges.map((r) => {
      params.push(r.from, r.to);
      return `("timestamp" >= $${params.length - 1} AND "timestamp" < $${params.length})`;
    });
    let nodeFilter = '';
    if (filter.nodeId !== undefined) {
      params.push(filter.nodeId);
      nodeFilter = `AND node_id = $${params.length}`;
    }
    // filter.metric is one of METRICS (typed, and validated at the API), so it is safe as a
    // column name.
    const metric = filter.metric;
    const p95 = filter.p95
      ? `percentile_cont(0.95) WITHIN GROUP (ORDER BY ${metric})`
      : 'NULL::double precision';
    return this.dataSource.query(
      `SELECT date_bin($2::interval, "timestamp", timestamptz '1970-01-01 00:00:00+00') AS t,
              avg(${metric}) AS avg,
              ${p95} AS p95,
              max(${metric}) AS max,
              count(*)::int AS count
       FROM telemetry_samples
       WHERE deployment_id = $1 AND (${ranges.join(' OR ')}) ${nodeFilter} AND ${metric} IS NOT NULL
       GROUP BY 1 ORDER BY 1`,
      params,
    );
  }

  /**
   * Samples ever written, collected or pushed: the sample id sequence only moves forward, even
   * when retention drops samples, so it is a true counter across every process.
   */
  /** Of the given nodes, those with no sample at or after `since` (one index probe each). */
  @GenerateSql({ params: [SQL, 7, [1, 2, 3], AT] }, { name: 'no nodes', params: [SQL, 7, [], AT] })
  async silentSince(
    m: Queryable,
    deploymentId: number,
    nodeIds: number[],
    since: Date,
  ): Promise<number[]> {
    if (nodeIds.length === 0) return [];
    const rows: { id: number }[] = await m.query(
      `SELECT n.id FROM unnest($2::int[]) AS n(id)
       WHERE NOT EXISTS (
         SELECT 1 FROM telemetry_samples s
         WHERE s.node_id = n.id AND s.deployment_id = $1 AND s."timestamp" >= $3)`,
      [deploymentId, nodeIds, since],
    );
    return rows.map((r) => r.id);
  }

  @GenerateSql({ params: [SQL], rows: [[{ written: '0' }]] })
  async samplesWritten(m: Queryable = this.dataSource): Promise<number> {
    const [sequence]: { written: string }[] = await m.query(
      `SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS written
       FROM telemetry_samples_id_seq`,
    );
    return Number(sequence.written);
  }

  /**
   * Removes stored telemetry of a whole deployment or one node from every telemetry table,
   * inside the caller's transaction (deletes of nodes and deployments).
   *
   * The caller must already hold the deployment row FOR UPDATE (LockService.deploymentRow) in that
   * transaction: batches being written right now (KEY SHARE) then commit before and are removed
   * here, and later batches wait and then no longer see the deleted nodes. This takes the fold
   * lock exclusively next, after the row, the order every writer follows, so a running-sum fold
   * of the deployment in progress finishes first and the next one sees the rows gone.
   */
  @GenerateSql(
    { name: 'whole deployment', params: [SQL, { deploymentId: 7 }] },
    { name: 'one node', params: [SQL, { deploymentId: 7, nodeId: 42 }] },
  )
  async deleteSamples(
    m: Queryable,
    filter: { deploymentId: number; nodeId?: number },
  ): Promise<void> {
    await this.locks.fold(m, filter.deploymentId);
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
