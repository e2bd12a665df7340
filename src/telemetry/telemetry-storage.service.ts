import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SampleColumns } from './sample-columns';
import { partitionsCovering } from './telemetry-partitions';

const HOUR_MS = 3_600_000;
/** How far ahead of now pushed samples may be stamped (device clock skew). */
export const MAX_FUTURE_SKEW_MS = HOUR_MS;
/** Partitions exist this far ahead, so a late maintenance run never leaves writes homeless. */
const PARTITIONS_AHEAD_MS = 3 * 24 * HOUR_MS;

/** Owns the samples table: its partitions and the one bulk write path. */
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

  /** Creates every daily partition from the retention horizon to a few days ahead. */
  async ensurePartitions(now = new Date()): Promise<string[]> {
    const { oldest } = this.acceptedWindow(now);
    const created: string[] = [];
    for (const p of partitionsCovering(oldest, new Date(now.getTime() + PARTITIONS_AHEAD_MS))) {
      const exists: unknown[] = await this.dataSource.query(
        `SELECT 1 FROM pg_class WHERE relname = $1`,
        [p.name],
      );
      if (exists.length > 0) continue;
      try {
        await this.dataSource.query(
          `CREATE TABLE IF NOT EXISTS ${p.name} PARTITION OF telemetry_samples
           FOR VALUES FROM ('${p.from.toISOString()}') TO ('${p.to.toISOString()}')`,
        );
        created.push(p.name);
      } catch (error) {
        // Another process created it at the same moment.
        const code = (error as { driverError?: { code?: string } }).driverError?.code;
        if (code !== '42P07' && code !== '23505') throw error;
      }
    }
    if (created.length > 0) this.logger.log(`Created telemetry partitions ${created.join(', ')}`);
    return created;
  }

  /**
   * Stores a batch with one INSERT ... SELECT FROM unnest, keeping only samples of nodes that
   * still exist in the deployment (KEY SHARE holds off a concurrent delete until commit).
   * Returns how many rows were stored.
   */
  async insert(m: EntityManager, deploymentId: number, columns: SampleColumns): Promise<number> {
    const result: { n: number }[] = await m.query(
      `WITH batch AS (
         SELECT * FROM unnest($2::int[], $3::timestamptz[], $4::float8[], $5::float8[], $6::float8[])
           AS u(node_id, ts, latency_ms, throughput_gbps, error_rate)
       ), live AS (
         SELECT id FROM nodes WHERE deployment_id = $1 AND id IN (SELECT DISTINCT node_id FROM batch)
         FOR KEY SHARE
       ), stored AS (
         INSERT INTO telemetry_samples (deployment_id, node_id, "timestamp", latency_ms, throughput_gbps, error_rate)
         SELECT $1, b.node_id, b.ts, b.latency_ms, b.throughput_gbps, b.error_rate
         FROM batch b JOIN live ON live.id = b.node_id
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM stored`,
      [
        deploymentId,
        columns.nodeIds,
        columns.timestamps,
        Array.from(columns.latency),
        Array.from(columns.throughput),
        Array.from(columns.errorRate),
      ],
    );
    return result[0].n;
  }

  /**
   * Removes stored telemetry of a whole deployment or one node, inside the caller's
   * transaction (deletes of nodes and deployments), from every table that holds it.
   */
  async deleteSamples(
    m: EntityManager,
    filter: { deploymentId: number; nodeId?: number },
  ): Promise<void> {
    if (filter.nodeId === undefined) {
      await m.query(`DELETE FROM telemetry_samples WHERE deployment_id = $1`, [
        filter.deploymentId,
      ]);
    } else {
      await m.query(`DELETE FROM telemetry_samples WHERE deployment_id = $1 AND node_id = $2`, [
        filter.deploymentId,
        filter.nodeId,
      ]);
    }
  }
}
