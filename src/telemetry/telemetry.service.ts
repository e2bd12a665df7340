import {
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { iso, parseIsoDate } from '../common/iso-date';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { NodesRepository } from '../store/nodes.repository';
import { DeploymentsRepository } from '../store/deployments.repository';
import { LockService } from '../store/locks';
import { TelemetryRollupsRepository } from './telemetry-rollups.repository';
import { TelemetryRepository } from '../store/telemetry.repository';
import { QueryTelemetryQuery } from './dto/query-telemetry.query';
import { TelemetrySampleResponse } from './dto/telemetry-sample.response';
import { TelemetrySeriesQuery } from './dto/telemetry-series.query';
import { TelemetrySeriesResponse } from './dto/telemetry-series.response';
import {
  mergeSeriesParts,
  SERIES_BUCKETS,
  seriesPlan,
  SeriesRangeError,
  seriesRange,
  seriesTooLarge,
} from './telemetry-series';
import { TelemetryStorageService } from './telemetry-storage.service';
import { SampleValidationError, validatePushedSamples } from './validate-pushed-samples';

@Injectable()
export class TelemetryService {
  constructor(
    private readonly deployments: DeploymentsRepository,
    private readonly samples: TelemetryRepository,
    private readonly nodes: NodesRepository,
    private readonly locks: LockService,
    private readonly storage: TelemetryStorageService,
    private readonly rollups: TelemetryRollupsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private async assertDeployment(deploymentId: number): Promise<void> {
    if (!(await this.deployments.exists(deploymentId))) {
      throw new NotFoundException('Deployment not found');
    }
  }

  /** Newest first, through the (deployment, time) or (node, time) index. */
  async list(deploymentId: number, q: QueryTelemetryQuery): Promise<TelemetrySampleResponse[]> {
    await this.assertDeployment(deploymentId);
    const start = q.start_time ? parseIsoDate(q.start_time) : null;
    const end = q.end_time ? parseIsoDate(q.end_time) : null;
    if (start && end && start > end) {
      throw new UnprocessableEntityException('start_time must not be after end_time');
    }
    const rows = await this.samples.listSamples(deploymentId, {
      nodeId: q.node_id,
      start,
      end,
      limit: q.limit,
    });
    return rows.map((r) => ({ ...r, timestamp: iso(r.timestamp)! }));
  }

  /**
   * Time buckets of one metric over [start, end), aggregated in PostgreSQL. Buckets of a minute
   * or more read whole minutes from the rollups (avg, max, count; p95 null) and only cut edge
   * minutes raw; 10-second buckets read the samples, with p95. A request whose raw part would
   * read more than MAX_SERIES_RAW_SAMPLES samples (counted from the rollups first) is 422.
   */
  async series(deploymentId: number, q: TelemetrySeriesQuery): Promise<TelemetrySeriesResponse> {
    await this.assertDeployment(deploymentId);
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
    const bucketMs = SERIES_BUCKETS[q.bucket];
    const plan = seriesPlan(range.start, range.end, bucketMs);
    const raw = await this.rollups.samplesTouching(deploymentId, plan.raw, q.node_id);
    if (raw > this.config.maxSeriesRawSamples) {
      throw new UnprocessableEntityException(
        seriesTooLarge(raw, this.config.maxSeriesRawSamples, q.bucket, q.node_id !== undefined),
      );
    }
    const [fromRollups, fromSamples] = await Promise.all([
      plan.minutes
        ? this.rollups.series(deploymentId, {
            metric: q.metric,
            from: plan.minutes.from,
            to: plan.minutes.to,
            bucketMs,
            nodeId: q.node_id,
          })
        : [],
      this.samples.series(deploymentId, {
        metric: q.metric,
        ranges: plan.raw,
        bucketMs,
        nodeId: q.node_id,
        p95: plan.p95,
      }),
    ]);
    return {
      deployment_id: deploymentId,
      node_id: q.node_id ?? null,
      metric: q.metric,
      bucket: q.bucket,
      start_time: iso(range.start)!,
      end_time: iso(range.end)!,
      buckets: mergeSeriesParts(fromRollups, fromSamples).map((r) => ({
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
    await this.assertDeployment(deploymentId);
    let columns;
    try {
      columns = validatePushedSamples(samples, new Date(), this.storage.acceptedWindow());
    } catch (error) {
      if (error instanceof SampleValidationError)
        throw new UnprocessableEntityException(error.message);
      throw error;
    }
    return this.storage.transaction(async (m) => {
      // Held until commit, so a delete of the deployment or of one of its nodes waits for this
      // batch and removes it, or ran before and the nodes are no longer found.
      if (!(await this.locks.keyShare(m, deploymentId))) {
        throw new NotFoundException('Deployment not found');
      }
      const ids = await this.nodes.nodeIdsOf(m, deploymentId, columns.nodeIds);
      const bad = columns.nodeIds.findIndex((id) => !ids.has(id));
      if (bad >= 0) {
        throw new UnprocessableEntityException(
          `samples[${bad}].node_id ${columns.nodeIds[bad]} is not a node of deployment ${deploymentId}`,
        );
      }
      return this.samples.write(m, deploymentId, columns);
    });
  }
}
