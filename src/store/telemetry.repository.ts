import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PARTITIONED_TABLES } from '../telemetry/telemetry-partitions';
import { LockService } from './locks';
import { Queryable } from './queryable';

/** Interim: replaced by the telemetry slice's repository at merge. */
@Injectable()
export class TelemetryRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly locks: LockService,
  ) {}

  async deleteSamples(
    m: Queryable,
    filter: { deploymentId: number; nodeId?: number },
  ): Promise<void> {
    await this.locks.fold(m, filter.deploymentId);
    for (const table of PARTITIONED_TABLES) {
      if (filter.nodeId === undefined) {
        await m.query(`DELETE FROM ${table} WHERE deployment_id = $1`, [filter.deploymentId]);
      } else if (table === 'telemetry_rollup_groups') {
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
      await m.query(`UPDATE telemetry_prefix_marks SET until = since WHERE deployment_id = $1`, [
        filter.deploymentId,
      ]);
    }
  }

  async samplesWritten(): Promise<number> {
    const [row]: { written: string }[] = await this.dataSource.query(
      `SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS written
       FROM telemetry_samples_id_seq`,
    );
    return Number(row.written);
  }
}
