import { Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { iso, parseIsoDate } from '../common/iso-date';
import { QueryTelemetryQuery } from './dto/query-telemetry.query';
import { TelemetrySampleResponse } from './dto/telemetry-sample.response';
import { TelemetrySeriesQuery } from './dto/telemetry-series.query';
import { TelemetrySeriesResponse } from './dto/telemetry-series.response';
import { SERIES_BUCKETS, SeriesRangeError, seriesRange } from './telemetry-series';
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

  /** Time buckets of one metric over [start, end), aggregated in PostgreSQL. */
  async series(deploymentId: number, q: TelemetrySeriesQuery): Promise<TelemetrySeriesResponse> {
    let range;
    try {
      range = seriesRange(
        q.bucket,
        q.start_time ? parseIsoDate(q.start_time) : null,
        q.end_time ? parseIsoDate(q.end_time) : null,
        new Date(),
      );
    } catch (error) {
      if (error instanceof SeriesRangeError) throw new UnprocessableEntityException(error.message);
      throw error;
    }
    const params: unknown[] = [
      deploymentId,
      range.start,
      range.end,
      `${SERIES_BUCKETS[q.bucket] / 1000} seconds`,
    ];
    let nodeFilter = '';
    if (q.node_id !== undefined) {
      params.push(q.node_id);
      nodeFilter = `AND node_id = $${params.length}`;
    }
    // q.metric is one of SERIES_METRICS (validated), so it is safe as a column name.
    const rows: { t: Date; avg: number; p95: number; max: number; count: number }[] =
      await this.dataSource.query(
        `SELECT date_bin($4::interval, "timestamp", timestamptz '1970-01-01 00:00:00+00') AS t,
                avg(${q.metric}) AS avg,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY ${q.metric}) AS p95,
                max(${q.metric}) AS max,
                count(*)::int AS count
         FROM telemetry_samples
         WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3 ${nodeFilter}
         GROUP BY 1 ORDER BY 1`,
        params,
      );
    return {
      deployment_id: deploymentId,
      node_id: q.node_id ?? null,
      metric: q.metric,
      bucket: q.bucket,
      start_time: iso(range.start)!,
      end_time: iso(range.end)!,
      buckets: rows.map((r) => ({
        timestamp: iso(r.t)!,
        avg: r.avg,
        p95: r.p95,
        max: r.max,
        count: r.count,
      })),
    };
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
    return this.storage.transaction(async (m) => {
      if (!(await this.storage.lockDeployment(m, deploymentId))) {
        throw new NotFoundException('Deployment not found');
      }
      const known: { id: number }[] = await m.query(
        `SELECT id FROM nodes WHERE deployment_id = $1 AND id = ANY($2::int[])`,
        [deploymentId, [...new Set(columns.nodeIds)]],
      );
      const ids = new Set(known.map((k) => k.id));
      const bad = columns.nodeIds.findIndex((id) => !ids.has(id));
      if (bad >= 0) {
        throw new UnprocessableEntityException(
          `samples[${bad}].node_id ${columns.nodeIds[bad]} is not a node of deployment ${deploymentId}`,
        );
      }
      return this.storage.write(m, deploymentId, columns, false);
    });
  }
}
