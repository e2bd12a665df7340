import { Injectable, UnprocessableEntityException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { iso, parseIsoDate } from '../common/iso-date';
import { QueryTelemetryQuery } from './dto/query-telemetry.query';
import { TelemetrySampleResponse } from './dto/telemetry-sample.response';
import { TelemetryStorageService } from './telemetry-storage.service';
import { SampleValidationError, validatePushedSamples } from './validate-pushed-samples';

interface SampleRow {
  id: number;
  node_id: number;
  deployment_id: number;
  timestamp: Date;
  latency_ms: number;
  throughput_gbps: number;
  error_rate: number;
}

@Injectable()
export class TelemetryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: TelemetryStorageService,
  ) {}

  /** Newest first, through the (deployment, time) or (node, time) index. */
  async query(deploymentId: number, q: QueryTelemetryQuery): Promise<TelemetrySampleResponse[]> {
    const start = q.start_time ? parseIsoDate(q.start_time) : null;
    const end = q.end_time ? parseIsoDate(q.end_time) : null;
    if (start && end && start > end) {
      throw new UnprocessableEntityException('start_time must not be after end_time');
    }
    const params: unknown[] = [deploymentId];
    const where = ['deployment_id = $1'];
    if (q.node_id !== undefined) {
      params.push(q.node_id);
      where.push(`node_id = $${params.length}`);
    }
    if (start) {
      params.push(start);
      where.push(`"timestamp" >= $${params.length}`);
    }
    if (end) {
      params.push(end);
      where.push(`"timestamp" <= $${params.length}`);
    }
    params.push(q.limit);
    const rows: SampleRow[] = await this.dataSource.query(
      `SELECT id, node_id, deployment_id, "timestamp", latency_ms, throughput_gbps, error_rate
       FROM telemetry_samples WHERE ${where.join(' AND ')}
       ORDER BY "timestamp" DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({ ...r, timestamp: iso(r.timestamp)! }));
  }

  /** All or nothing: a bad sample or a node outside the deployment rejects the whole batch. */
  async push(deploymentId: number, samples: unknown[]): Promise<number> {
    let columns;
    try {
      columns = validatePushedSamples(samples, new Date(), this.storage.acceptedWindow());
    } catch (error) {
      if (error instanceof SampleValidationError)
        throw new UnprocessableEntityException(error.message);
      throw error;
    }
    return this.dataSource.transaction(async (m) => {
      const known: { id: number }[] = await m.query(
        `SELECT id FROM nodes WHERE deployment_id = $1 AND id = ANY($2::int[]) FOR KEY SHARE`,
        [deploymentId, [...new Set(columns.nodeIds)]],
      );
      const ids = new Set(known.map((k) => k.id));
      const bad = columns.nodeIds.findIndex((id) => !ids.has(id));
      if (bad >= 0) {
        throw new UnprocessableEntityException(
          `samples[${bad}].node_id ${columns.nodeIds[bad]} is not a node of deployment ${deploymentId}`,
        );
      }
      return this.storage.insert(m, deploymentId, columns);
    });
  }
}
