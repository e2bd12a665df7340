import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LockService } from '../../store/locks';
import { TelemetryRepository } from '../../store/telemetry.repository';
import { TelemetryStorageService } from '../telemetry-storage.service';
import { decodeRemoteWrite } from './remote-write-decode';
import { RemoteWriteConfig, REMOTE_WRITE_DEFAULTS } from '../sources/telemetry-config';
import { mapRemoteWrite, RemoteWriteCounts, RemoteWritePoint } from './remote-write-mapping';
import { matchNodes, stripPort } from './node-match';

/** What one remote-write request did, sample by sample. */
export interface RemoteWriteResult extends RemoteWriteCounts {
  /** Samples stored (several metrics of one node at one instant share a row). */
  stored: number;
  /** Samples whose node label names no node of the deployment. */
  unmatched_node: number;
}

/** Prometheus remote write into a deployment's telemetry. */
@Injectable()
export class RemoteWriteService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly samples: TelemetryRepository,
    private readonly locks: LockService,
    private readonly storage: TelemetryStorageService,
  ) {}

  /** The deployment's `telemetry.remote_write`, or the defaults when it set none. */
  private async mappingOf(deploymentId: number): Promise<RemoteWriteConfig> {
    const rows: { telemetry: { remote_write?: RemoteWriteConfig } | null }[] =
      await this.dataSource.query(`SELECT telemetry FROM deployments WHERE id = $1`, [
        deploymentId,
      ]);
    if (rows.length === 0) throw new NotFoundException('Deployment not found');
    return rows[0].telemetry?.remote_write ?? REMOTE_WRITE_DEFAULTS;
  }

  /**
   * Decodes the body (RemoteWriteDecodeError when it does not), keeps the mapped series of
   * nodes of the deployment and stores them in one transaction.
   */
  async ingest(deploymentId: number, body: Uint8Array): Promise<RemoteWriteResult> {
    const mapping = await this.mappingOf(deploymentId);
    const series = decodeRemoteWrite(body);
    const window = this.storage.acceptedWindow();
    const { points, counts } = mapRemoteWrite(series, mapping, {
      oldest: window.oldest.getTime(),
      newest: window.newest.getTime(),
    });
    const result: RemoteWriteResult = { ...counts, stored: 0, unmatched_node: 0 };
    if (points.length === 0) return result;
    const names = new Map<string, string>();
    for (const p of points) if (!names.has(p.node)) names.set(p.node, stripPort(p.node));
    await this.storage.transaction(async (m) => {
      // Held until commit, as for a push: a delete of the deployment waits for this batch.
      if (!(await this.locks.keyShare(m, deploymentId))) {
        throw new NotFoundException('Deployment not found');
      }
      const ids = await matchNodes(m, deploymentId, mapping.node_match, [
        ...new Set(names.values()),
      ]);
      const kept: { id: number; point: RemoteWritePoint }[] = [];
      result.unmatched_node = 0;
      for (const point of points) {
        const id = ids.get(names.get(point.node)!);
        if (id === undefined) result.unmatched_node += countValues(point);
        else kept.push({ id, point });
      }
      await this.samples.write(m, deploymentId, {
        nodeIds: kept.map((k) => k.id),
        timestamps: kept.map((k) => new Date(k.point.timestamp)),
        latency: kept.map((k) => k.point.values[0]),
        throughput: kept.map((k) => k.point.values[1]),
        errorRate: kept.map((k) => k.point.values[2]),
      });
      result.stored = kept.reduce((sum, k) => sum + countValues(k.point), 0);
    });
    return result;
  }
}

function countValues(point: RemoteWritePoint): number {
  return point.values.reduce<number>((n, v) => (v === null ? n : n + 1), 0);
}
