import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DAY_MS, HOUR_MS } from '../domain/time';
import { expiredPartitions, PARTITIONED_TABLES } from '../store/telemetry-partitions';
import { isMissingPartition, TelemetryRepository } from '../store/telemetry.repository';

/** How far ahead of now pushed samples may be stamped (device clock skew). */
export const MAX_FUTURE_SKEW_MS = HOUR_MS;
/** Partitions exist this far ahead, so a late maintenance run never leaves writes homeless. */
export const PARTITIONS_AHEAD_MS = 3 * DAY_MS;
/** Collection markers outlive any retry of a shard job by far. */
const SHARD_TICK_MARKER_TTL_MS = DAY_MS;

export interface PartitionMaintenance {
  created: string[];
  dropped: string[];
}

/**
 * Keeps the telemetry tables fit for writes: their daily partitions from the retention horizon
 * to a few days ahead, retention by whole days, and write transactions that survive a missing
 * partition.
 */
@Injectable()
export class TelemetryStorageService implements OnApplicationBootstrap {
  private readonly logger = new Logger(TelemetryStorageService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly samples: TelemetryRepository,
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
    const created = await this.samples.ensurePartitions(
      oldest,
      new Date(now.getTime() + PARTITIONS_AHEAD_MS),
    );
    if (created.length > 0) this.logger.log(`Created telemetry partitions ${created.join(', ')}`);
    return created;
  }

  /**
   * Drops whole daily partitions that ended before the retention horizon: no DELETE scans. A
   * partition that cannot be dropped now (its table is busy) is left for the next run.
   */
  async dropExpiredPartitions(now = new Date()): Promise<string[]> {
    const { oldest } = this.acceptedWindow(now);
    const dropped: string[] = [];
    for (const table of PARTITIONED_TABLES) {
      for (const name of expiredPartitions(
        await this.samples.listPartitions(table),
        table,
        oldest,
      )) {
        try {
          await this.samples.dropPartition(name);
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
    await this.samples.forgetShardTicksBefore(new Date(now.getTime() - SHARD_TICK_MARKER_TTL_MS));
    return { created, dropped };
  }

  /**
   * Runs `work` in a transaction; a write that finds no partition for its day (the service was
   * down for days, the clock jumped) creates the partitions and runs once more.
   */
  async transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(work);
    } catch (error) {
      if (!isMissingPartition(error)) throw error;
      await this.ensurePartitions();
      return this.dataSource.transaction(work);
    }
  }
}
