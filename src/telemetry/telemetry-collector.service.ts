import { Inject, Injectable, Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { JobName, QueueName } from '../queue/jobs';
import { workerMetrics } from '../observability/worker-metrics';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { NodesRepository } from '../store/nodes.repository';
import { DEFAULT_TELEMETRY, isDue, TelemetrySourceName } from './sources/telemetry-config';
import { TelemetrySourceRegistry } from './sources/telemetry-source';
import { TelemetrySourcesRepository } from './sources/telemetry-sources.repository';
import { collectShardJobId, TELEMETRY_SHARD_SIZE } from './telemetry.constants';
import {
  previousTick,
  readTelemetryStats,
  recordFanOut,
  recordShardDone,
  recordSkip,
} from './telemetry-stats';

/** Job states in which a shard of the previous tick may still write. */
const UNFINISHED = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

export type TickOutcome =
  { skipped: true; pendingTick: number } | { skipped: false; shards: number; nodes: number };

/**
 * Scheduled collection: the tick fans out into shard jobs for the deployments due at it, and
 * each shard job hands its nodes to the deployment's telemetry source (sources/).
 */
@Injectable()
export class TelemetryCollectorService {
  private readonly logger = new Logger(TelemetryCollectorService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly nodes: NodesRepository,
    private readonly jobs: JobEnqueueService,
    private readonly configs: TelemetrySourcesRepository,
    private readonly sources: TelemetrySourceRegistry,
  ) {}

  private get queue() {
    return this.jobs.queue(QueueName.TELEMETRY);
  }

  /**
   * The instant a scheduler job stands for, not when it ran: job schedulers name each
   * iteration `repeat:<scheduler>:<scheduled millis>`.
   */
  static tickTime(job: Job): number {
    const scheduled = /:(\d+)$/.exec(job.id ?? '');
    return scheduled ? Number(scheduled[1]) : job.timestamp + (job.delay ?? 0);
  }

  /**
   * Fans one tick out into a shard job per (deployment, seq range) holding RUNNING nodes, unless
   * a shard of the previous tick is still waiting or running: then the tick is skipped and
   * counted, so a slow period never piles up work.
   */
  async tick(tickAt: number): Promise<TickOutcome> {
    const previous = await previousTick(this.queue);
    if (previous && previous.tickAt >= tickAt) {
      // A tick job that ran late after a newer one; that newer one covers the period.
      return { skipped: true, pendingTick: previous.tickAt };
    }
    if (previous && previous.remaining > 0) {
      const states = await Promise.all(previous.jobIds.map((id) => this.queue.getJobState(id)));
      if (states.some((s) => UNFINISHED.has(s))) {
        await recordSkip(this.queue);
        workerMetrics.ticksSkipped.inc();
        this.logger.warn(
          `Telemetry tick ${new Date(tickAt).toISOString()} skipped: shards of ${new Date(previous.tickAt).toISOString()} are still running`,
        );
        return { skipped: true, pendingTick: previous.tickAt };
      }
    }
    if (previous) await this.observeTickDuration(previous.tickAt);
    const shards = await this.dueShards(tickAt);
    const jobIds = shards.map((s) => collectShardJobId(s.deploymentId, s.shard, tickAt));
    const nodes = shards.reduce((sum, s) => sum + s.nodes, 0);
    await recordFanOut(this.queue, tickAt, jobIds, nodes);
    await this.jobs.addBulk(
      JobName.COLLECT_TELEMETRY_SHARD,
      shards.map((s, i) => ({
        payload: { deploymentId: s.deploymentId, shard: s.shard, tickAt },
        options: { jobId: jobIds[i] },
      })),
    );
    return { skipped: false, shards: shards.length, nodes };
  }

  /**
   * The shards holding RUNNING nodes whose deployment collects at this tick: push deployments
   * never do, the others when their interval_seconds has a boundary within this tick's period.
   */
  private async dueShards(tickAt: number) {
    const [shards, configured] = await Promise.all([
      this.nodes.runningNodesPerShard(TELEMETRY_SHARD_SIZE),
      this.configs.configured(),
    ]);
    if (configured.size === 0) return shards;
    return shards.filter((s) => {
      const telemetry = configured.get(s.deploymentId);
      if (!telemetry) return true;
      if (telemetry.source === TelemetrySourceName.PUSH) return false;
      const intervalMs =
        telemetry.interval_seconds === null ? null : telemetry.interval_seconds * 1000;
      return isDue(tickAt, this.config.telemetryIntervalMs, intervalMs);
    });
  }

  /**
   * The duration of the tick this one takes over from, once it completed (every shard stored):
   * only the tick that fans out next observes it, so each tick is counted once across workers.
   */
  private async observeTickDuration(tickAt: number): Promise<void> {
    const stats = await readTelemetryStats(this.queue);
    if (stats.last_completed_tick_at !== new Date(tickAt).toISOString()) return;
    if (stats.last_tick_duration_ms === null) return;
    workerMetrics.tickDuration.observe(stats.last_tick_duration_ms / 1000);
  }

  /**
   * Collects one shard of one tick from the deployment's source (the simulator when it set
   * none) and counts it done, whatever the source stored.
   */
  async collectShard(deploymentId: number, shard: number, tickAt: number): Promise<number> {
    const telemetry = (await this.configs.of(deploymentId)) ?? DEFAULT_TELEMETRY;
    const source = this.sources.get(telemetry.source);
    let stored = 0;
    if (source) {
      stored = await source.collectShard({ deploymentId, shard, tickAt, telemetry });
    } else if (telemetry.source !== TelemetrySourceName.PUSH) {
      this.logger.warn(`Deployment ${deploymentId}: no ${telemetry.source} source in this worker`);
    }
    await recordShardDone(this.queue, tickAt, stored);
    return stored;
  }
}
