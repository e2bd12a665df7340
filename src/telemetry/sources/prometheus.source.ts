import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { outboundPolicy } from '../../common/outbound-address';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { CredentialSecrets } from '../../credentials/credential-secrets.service';
import { JobEnqueueService } from '../../queue/job-enqueue.service';
import { QueueName } from '../../queue/jobs';
import { LockService } from '../../store/locks';
import { TelemetryRepository } from '../../store/telemetry.repository';
import { matchNodes } from '../remote-write/node-match';
import { TELEMETRY_SHARD_SIZE } from '../telemetry.constants';
import { recordSourceFailure, recordUnmatchedSeries } from '../telemetry-stats';
import { TelemetryStorageService } from '../telemetry-storage.service';
import { instantQuery, PrometheusQueryError, VectorSample } from './prometheus-client';
import { matchSeries, PROMETHEUS_METRICS } from './prometheus-match';
import { prometheusSourceMetrics } from './prometheus.metrics';
import { PrometheusSourceConfig, TelemetrySourceName } from './telemetry-config';
import { ShardCollection, TelemetrySource, TelemetrySourceRegistry } from './telemetry-source';
import { stripPort } from '../remote-write/node-match';

/**
 * Reads a deployment's samples from a Prometheus server: per tick, one instant query per
 * configured metric at the tick's time, each result series matched to a RUNNING node of the
 * shard by its node label. A server that cannot be asked makes a failed tick (counted, stored
 * nothing), never unreachable nodes.
 */
@Injectable()
export class PrometheusSource implements TelemetrySource {
  readonly name = TelemetrySourceName.PROMETHEUS;
  private readonly logger = new Logger(PrometheusSource.name);

  constructor(
    registry: TelemetrySourceRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: TelemetryStorageService,
    private readonly samples: TelemetryRepository,
    private readonly locks: LockService,
    private readonly credentials: CredentialSecrets,
    private readonly jobs: JobEnqueueService,
  ) {
    registry.register(this);
  }

  async collectShard({ deploymentId, shard, tickAt, telemetry }: ShardCollection): Promise<number> {
    const settings = telemetry.prometheus;
    if (!settings) return 0;
    const queue = this.jobs.queue(QueueName.TELEMETRY);
    let results: (VectorSample[] | undefined)[];
    try {
      results = await this.query(settings, tickAt);
    } catch (error) {
      const message = (error as Error).message;
      prometheusSourceMetrics.failedTicks.inc();
      this.logger.warn(`Deployment ${deploymentId}: no samples from Prometheus: ${message}`);
      await recordSourceFailure(queue, {
        at: tickAt,
        deploymentId,
        source: this.name,
        error: message,
      });
      return 0;
    }
    const labels = new Set<string>();
    for (const series of results) {
      for (const s of series ?? []) {
        const value = s.metric[settings.node_label];
        if (value !== undefined) labels.add(stripPort(value));
      }
    }
    const at = new Date(tickAt);
    const { stored, unmatched } = await this.storage.transaction(async (m) => {
      // Held until commit, as every telemetry writer does: a delete waits for this batch.
      if (!(await this.locks.keyShare(m, deploymentId))) return { stored: 0, unmatched: 0 };
      // Series are matched against every node of the deployment, so a node of another shard or
      // one that is not RUNNING is not "unmatched"; only this shard's RUNNING nodes are stored.
      const all = await matchNodes(m, deploymentId, settings.node_match, [...labels]);
      const mine = await this.shardNodes(m, deploymentId, shard);
      const match = matchSeries(results, settings.node_label, all);
      const rows = match.rows.filter((r) => mine.has(r.nodeId));
      if (!(await this.samples.claimShardTick(m, deploymentId, shard, at, rows.length))) {
        return { stored: 0, unmatched: 0 };
      }
      const n = await this.samples.write(m, deploymentId, {
        nodeIds: rows.map((r) => r.nodeId),
        timestamps: at,
        latency: rows.map((r) => r.values[0]),
        throughput: rows.map((r) => r.values[1]),
        errorRate: rows.map((r) => r.values[2]),
      });
      // Every shard sees the whole result: the first one counts what matched no node.
      return { stored: n, unmatched: shard === 0 ? match.unmatched : 0 };
    });
    prometheusSourceMetrics.unmatchedSeries.inc(unmatched);
    await recordUnmatchedSeries(queue, unmatched);
    return stored;
  }

  /** The RUNNING nodes of the shard, by id. */
  private async shardNodes(
    m: { query: DataSource['query'] },
    deploymentId: number,
    shard: number,
  ): Promise<Set<number>> {
    const rows: { id: number }[] = await m.query(
      `SELECT id FROM nodes WHERE deployment_id = $1 AND seq BETWEEN $2 AND $3 AND state = 'RUNNING'`,
      [deploymentId, shard * TELEMETRY_SHARD_SIZE + 1, (shard + 1) * TELEMETRY_SHARD_SIZE],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Each configured metric's vector at the tick (undefined for a metric not configured). */
  private async query(
    settings: PrometheusSourceConfig,
    tickAt: number,
  ): Promise<(VectorSample[] | undefined)[]> {
    const token =
      settings.credential === null
        ? undefined
        : (await this.credentials.resolve(settings.credential, ['bearer'])).token;
    const target = { url: settings.url, token, policy: outboundPolicy(this.config) };
    return Promise.all(
      PROMETHEUS_METRICS.map(async (metric) => {
        const query = settings.queries[metric];
        if (!query) return undefined;
        try {
          const result = await instantQuery(target, query, tickAt);
          prometheusSourceMetrics.queries.inc({ outcome: 'ok' });
          return result;
        } catch (error) {
          const rejected = error instanceof PrometheusQueryError && error.rejected;
          prometheusSourceMetrics.queries.inc({ outcome: rejected ? 'rejected' : 'failed' });
          throw error;
        }
      }),
    );
  }
}
