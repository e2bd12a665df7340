import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Metric, METRICS } from '../domain/telemetry-metrics';
import { HOUR_MS } from '../domain/time';
import { GenerateSql, SQL } from '../database/generate-sql';
import { Queryable } from '../store/queryable';

/** Which minutes telemetry_prefix_sums holds for a deployment: [since, until). */
export interface PrefixMarks {
  since: Date;
  until: Date;
}

/** A running-sum row's count and sum per metric. */
const PREFIX_COLUMNS = METRICS.map((m) => `${m}_n, ${m}_sum`).join(', ');
/** A 10-second bucket's count, mean and M2 per metric, each over the samples that have it. */
const BUCKET_COLUMNS = METRICS.map((m) => `${m}_n, ${m}_mean, ${m}_m2`).join(', ');
const BUCKET_STATS = (alias: string) =>
  METRICS.map(
    (m) => `count(${alias}${m}), avg(${alias}${m}), var_pop(${alias}${m}) * count(${alias}${m})`,
  ).join(', ');

/**
 * One minute of running sums: the previous minute's row of each node (none at the start of an
 * hour) plus the node's rollup of this minute. Nodes silent this minute carry their row forward,
 * so the row at any minute covers every node that reported earlier in the hour. A refold after a
 * late sample overwrites the rows. Each metric carries its own count (a sample may lack it).
 * $1 deployment, $2 minute, $3 minute starts an hour.
 */
const FOLD_MINUTE_SQL = `
  INSERT INTO telemetry_prefix_sums AS p
    (deployment_id, node_id, minute, n, last_ts, ${PREFIX_COLUMNS})
  SELECT $1, node_id, $2, coalesce(c.n, 0) + coalesce(r.n, 0), greatest(c.last_ts, r.last_ts),
         ${METRICS.map((m) => `coalesce(c.${m}_n, 0) + coalesce(r.${m}_n, 0), coalesce(c.${m}_sum, 0) + coalesce(r.${m}_n * r.${m}_mean, 0)`).join(',\n         ')}
  FROM (SELECT node_id, n, last_ts, ${PREFIX_COLUMNS}
        FROM telemetry_prefix_sums
        WHERE NOT $3 AND deployment_id = $1 AND minute = $2::timestamptz - interval '1 minute') c
  FULL JOIN (SELECT node_id, n, last_ts, ${METRICS.map((m) => `${m}_n, ${m}_mean`).join(', ')}
             FROM telemetry_rollups WHERE deployment_id = $1 AND minute = $2) r USING (node_id)
  ON CONFLICT (deployment_id, minute, node_id) DO UPDATE SET
    n = EXCLUDED.n, last_ts = EXCLUDED.last_ts,
    ${METRICS.map((m) => `${m}_n = EXCLUDED.${m}_n, ${m}_sum = EXCLUDED.${m}_sum`).join(', ')}`;

/**
 * The moments of one minute's samples in 10-second buckets, after UNFOLD_BUCKETS_SQL removed
 * what an earlier fold of the minute wrote. $1 deployment, $2 minute.
 */
const FOLD_BUCKETS_SQL = `
  INSERT INTO telemetry_prefix_buckets (deployment_id, bucket, n, ${BUCKET_COLUMNS})
  SELECT $1, date_bin('10 seconds', "timestamp", timestamptz '1970-01-01 00:00:00+00'), count(*),
         ${BUCKET_STATS('')}
  FROM telemetry_samples
  WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $2::timestamptz + interval '1 minute'
  GROUP BY 2`;
const UNFOLD_BUCKETS_SQL = `
  DELETE FROM telemetry_prefix_buckets
  WHERE deployment_id = $1 AND bucket >= $2 AND bucket < $2::timestamptz + interval '1 minute'`;

/**
 * FOLD_BUCKETS_SQL per role, for a deployment with a topology only (its window statement by
 * role reads them); after UNFOLD_ROLE_BUCKETS_SQL. $1 deployment, $2 minute.
 */
const FOLD_ROLE_BUCKETS_SQL = `
  INSERT INTO telemetry_prefix_role_buckets (deployment_id, bucket, role, n, ${BUCKET_COLUMNS})
  SELECT $1, date_bin('10 seconds', s."timestamp", timestamptz '1970-01-01 00:00:00+00'), r.role, count(*),
         ${BUCKET_STATS('s.')}
  FROM telemetry_samples s JOIN nodes r ON r.id = s.node_id AND r.deployment_id = $1
  WHERE s.deployment_id = $1 AND s."timestamp" >= $2 AND s."timestamp" < $2::timestamptz + interval '1 minute'
    AND EXISTS (SELECT 1 FROM deployments WHERE id = $1 AND spine_count IS NOT NULL)
  GROUP BY 2, 3`;
const UNFOLD_ROLE_BUCKETS_SQL = `
  DELETE FROM telemetry_prefix_role_buckets
  WHERE deployment_id = $1 AND bucket >= $2 AND bucket < $2::timestamptz + interval '1 minute'`;

/** Whether a minute is the first of its UTC hour, where running sums restart. */
function startsHour(minute: Date): boolean {
  return minute.getTime() % HOUR_MS === 0;
}

/** One metric's buckets over whole minutes of the rollups (avg, max and count; no p95). */
export interface RollupSeriesFilter {
  metric: Metric;
  /** Whole minutes [from, to). */
  from: Date;
  to: Date;
  /** A whole number of minutes. */
  bucketMs: number;
  nodeId?: number;
}

export interface RollupSeriesRow {
  t: Date;
  avg: number;
  p95: null;
  max: number;
  count: number;
}

/** The catalogue's minutes: the one at 10:05 inside an hour, and the top of the next hour. */
const MINUTE = new Date('2026-11-27T10:05:00.000Z');
const TOP_OF_HOUR = new Date('2026-11-27T11:00:00.000Z');

/**
 * Owns the tables derived from the samples: minute rollups per node and per 64-node group
 * (written by the sample trigger), and the running sums of bottleneck detection
 * (telemetry_prefix_sums, telemetry_prefix_buckets, telemetry_prefix_marks) and the fold that
 * keeps them; the bottleneck window reads over them are BottleneckWindowRepository's. Sample
 * deletes across these tables are TelemetryRepository.deleteSamples.
 */
@Injectable()
export class TelemetryRollupsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Deployments whose running sums need folding: one index probe per deployment; deployments
   * with marks keep being folded (and trimmed).
   */
  @GenerateSql({ params: [new Date('2026-11-27T08:00:00.000Z')] })
  async deploymentsToFold(keepFrom: Date): Promise<number[]> {
    const rows: { deployment_id: number }[] = await this.dataSource.query(
      `SELECT d.id AS deployment_id FROM deployments d
       WHERE EXISTS (SELECT 1 FROM telemetry_rollup_groups g
                     WHERE g.deployment_id = d.id AND g.minute >= $1)
          OR EXISTS (SELECT 1 FROM telemetry_prefix_marks p WHERE p.deployment_id = d.id)`,
      [keepFrom],
    );
    return rows.map((r) => r.deployment_id);
  }

  /** The minutes telemetry_prefix_sums holds for the deployment, or null before its first fold. */
  @GenerateSql({ params: [SQL, 7] })
  async prefixMarks(m: Queryable, deploymentId: number): Promise<PrefixMarks | null> {
    const [mark]: PrefixMarks[] = await m.query(
      `SELECT since, until FROM telemetry_prefix_marks WHERE deployment_id = $1`,
      [deploymentId],
    );
    return mark ?? null;
  }

  /**
   * Before folding `minute`: whether the previous minute has rows to carry forward (never at the
   * top of an hour), and the first minute in [minute, target) with samples (null for none).
   */
  @GenerateSql(
    { name: 'inside an hour', params: [SQL, 7, MINUTE, new Date('2026-11-27T10:09:00.000Z')] },
    { name: 'top of an hour', params: [SQL, 7, TOP_OF_HOUR, new Date('2026-11-27T11:04:00.000Z')] },
  )
  async foldProbe(
    m: Queryable,
    deploymentId: number,
    minute: Date,
    target: Date,
  ): Promise<{ carry: boolean; next: Date | null }> {
    const [probe]: { carry: boolean; next: Date | null }[] = await m.query(
      `SELECT EXISTS (SELECT 1 FROM telemetry_prefix_sums WHERE NOT $4 AND deployment_id = $1
                        AND minute = $2::timestamptz - interval '1 minute') AS carry,
              (SELECT min(minute) FROM telemetry_rollup_groups
               WHERE deployment_id = $1 AND minute >= $2 AND minute < $3) AS next`,
      [deploymentId, minute, target, startsHour(minute)],
    );
    return probe;
  }

  /** Removes running sums and 10-second moments of the minutes [from, until). */
  @GenerateSql({ params: [SQL, 7, MINUTE, new Date('2026-11-27T10:09:00.000Z')] })
  async clearPrefix(m: Queryable, deploymentId: number, from: Date, until: Date): Promise<void> {
    await m.query(
      `DELETE FROM telemetry_prefix_sums WHERE deployment_id = $1 AND minute >= $2 AND minute < $3`,
      [deploymentId, from, until],
    );
    for (const table of ['telemetry_prefix_buckets', 'telemetry_prefix_role_buckets']) {
      await m.query(
        `DELETE FROM ${table} WHERE deployment_id = $1 AND bucket >= $2 AND bucket < $3`,
        [deploymentId, from, until],
      );
    }
  }

  /**
   * Folds one minute: its running sums per node, then its 10-second moments afresh (per role
   * too for a deployment with a topology).
   */
  @GenerateSql(
    { name: 'inside an hour', params: [SQL, 7, MINUTE] },
    { name: 'top of an hour', params: [SQL, 7, TOP_OF_HOUR] },
  )
  async foldMinute(m: Queryable, deploymentId: number, minute: Date): Promise<void> {
    await m.query(FOLD_MINUTE_SQL, [deploymentId, minute, startsHour(minute)]);
    await m.query(UNFOLD_BUCKETS_SQL, [deploymentId, minute]);
    await m.query(FOLD_BUCKETS_SQL, [deploymentId, minute]);
    await m.query(UNFOLD_ROLE_BUCKETS_SQL, [deploymentId, minute]);
    await m.query(FOLD_ROLE_BUCKETS_SQL, [deploymentId, minute]);
  }

  /** Removes running sums and 10-second moments before `since`. */
  @GenerateSql({ params: [SQL, 7, new Date('2026-11-27T08:00:00.000Z')] })
  async trimPrefix(m: Queryable, deploymentId: number, since: Date): Promise<void> {
    await m.query(`DELETE FROM telemetry_prefix_sums WHERE deployment_id = $1 AND minute < $2`, [
      deploymentId,
      since,
    ]);
    for (const table of ['telemetry_prefix_buckets', 'telemetry_prefix_role_buckets']) {
      await m.query(`DELETE FROM ${table} WHERE deployment_id = $1 AND bucket < $2`, [
        deploymentId,
        since,
      ]);
    }
  }

  @GenerateSql({
    params: [SQL, 7, { since: new Date('2026-11-27T08:00:00.000Z'), until: MINUTE }],
  })
  async setPrefixMarks(m: Queryable, deploymentId: number, marks: PrefixMarks): Promise<void> {
    await m.query(
      `INSERT INTO telemetry_prefix_marks (deployment_id, since, until) VALUES ($1, $2, $3)
       ON CONFLICT (deployment_id) DO UPDATE SET since = EXCLUDED.since, until = EXCLUDED.until`,
      [deploymentId, marks.since, marks.until],
    );
  }

  /**
   * A telemetry series over whole minutes: the deployment's 64-node group rollups (about
   * 160 rows a minute at 10,000 nodes), or one node's minute rollups, over the samples that carry
   * the metric (rows without any are left out, like empty buckets). Count and max are exact; avg
   * is the count-weighted mean of the rollup means, equal to the samples' mean to rounding.
   */
  @GenerateSql(
    {
      name: 'group rollups',
      params: [7, { metric: 'latency_ms', from: MINUTE, to: TOP_OF_HOUR, bucketMs: 300_000 }],
    },
    {
      name: 'one node',
      params: [
        7,
        { metric: 'error_rate', from: MINUTE, to: TOP_OF_HOUR, bucketMs: 60_000, nodeId: 42 },
      ],
    },
  )
  async series(deploymentId: number, f: RollupSeriesFilter): Promise<RollupSeriesRow[]> {
    const params: unknown[] = [deploymentId, f.from, f.to, `${f.bucketMs / 1000} seconds`];
    let source = 'telemetry_rollup_groups';
    if (f.nodeId !== undefined) {
      params.push(f.nodeId);
      source = 'telemetry_rollups';
    }
    // f.metric is one of METRICS (typed, validated at the API): safe as a column name.
    const m = f.metric;
    return this.dataSource.query(
      `SELECT date_bin($4::interval, minute, timestamptz '1970-01-01 00:00:00+00') AS t,
              sum(${m}_n * ${m}_mean) / sum(${m}_n) AS avg, NULL AS p95, max(${m}_max) AS max,
              sum(${m}_n)::bigint AS count
       FROM ${source}
       WHERE deployment_id = $1 AND minute >= $2 AND minute < $3 AND ${m}_n > 0
         ${f.nodeId !== undefined ? 'AND node_id = $5' : ''}
       GROUP BY 1 ORDER BY 1`,
      params,
    );
  }

  /**
   * How many samples the minutes touching these ranges hold (the deployment's, or one node's):
   * an upper bound of what reading the ranges raw would scan, known from the rollups alone.
   */
  @GenerateSql(
    {
      name: 'two ranges',
      params: [
        7,
        [
          { from: new Date('2026-11-27T10:05:23.500Z'), to: new Date('2026-11-27T10:06:00.000Z') },
          { from: new Date('2026-11-27T10:59:00.000Z'), to: new Date('2026-11-27T10:59:41.000Z') },
        ],
      ],
      rows: [[{ n: 0 }]],
    },
    {
      name: 'one node',
      params: [7, [{ from: MINUTE, to: TOP_OF_HOUR }], 42],
      rows: [[{ n: 0 }]],
    },
    { name: 'no ranges', params: [7, []] },
  )
  async samplesTouching(
    deploymentId: number,
    ranges: { from: Date; to: Date }[],
    nodeId?: number,
  ): Promise<number> {
    if (ranges.length === 0) return 0;
    const params: unknown[] = [deploymentId];
    const where = ranges.map((r) => {
      params.push(r.from, r.to);
      const from = `$${params.length - 1}`;
      const to = `$${params.length}`;
      return `(minute >= date_bin('1 minute', ${from}::timestamptz, timestamptz '1970-01-01 00:00:00+00') AND minute < ${to})`;
    });
    let source = 'telemetry_rollup_groups';
    let node = '';
    if (nodeId !== undefined) {
      params.push(nodeId);
      source = 'telemetry_rollups';
      node = `AND node_id = $${params.length}`;
    }
    const [row]: { n: number }[] = await this.dataSource.query(
      `SELECT coalesce(sum(n), 0)::bigint AS n FROM ${source}
       WHERE deployment_id = $1 AND (${where.join(' OR ')}) ${node}`,
      params,
    );
    return Number(row.n);
  }
}
