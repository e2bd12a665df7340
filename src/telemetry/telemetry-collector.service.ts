import { Injectable, Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { JobName, QueueName } from '../queue/jobs';
import { workerMetrics } from '../observability/worker-metrics';
import { fillSamples, uplinkDelayMs } from '../simulation/telemetry-generator';
import { LockService } from '../store/locks';
import { NodesRepository } from '../store/nodes.repository';
import { TelemetryRepository } from '../store/telemetry.repository';
import { collectShardJobId, TELEMETRY_SHARD_SIZE } from './telemetry.constants';
import {
  previousTick,
  readTelemetryStats,
  recordFanOut,
  recordShardDone,
  recordSkip,
} from './telemetry-stats';
import { TelemetryStorageService } from './telemetry-storage.service';

/** Job states in which a shard of the previous tick may still write. */
const UNFINISHED = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

export type TickOutcome =
  { skipped: true; pendingTick: number } | { skipped: false; shards: number; nodes: number };

/** Scheduled collection: the tick fans out into shard jobs, each shard writes one bulk batch. */
@Injectable()
export class TelemetryCollectorService {
  private readonly logger = new Logger(TelemetryCollectorService.name);

  constructor(
    private readonly storage: TelemetryStorageService,
    private readonly samples: TelemetryRepository,
    private readonly nodes: NodesRepository,
    private readonly locks: LockService,
    private readonly jobs: JobEnqueueService,
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
    const shards = await this.nodes.runningNodesPerShard(TELEMETRY_SHARD_SIZE);
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
   * Generates one sample per node of the shard that is RUNNING now and stores them with one
   * statement, stamped with the tick time. A second run of the same (shard, tick) writes nothing.
   */
  async collectShard(deploymentId: number, shard: number, tickAt: number): Promise<number> {
    const at = new Date(tickAt);
    const stored = await this.storage.transaction(async (m) => {
      // Held until commit: a delete of the deployment or of one of these nodes waits for this
      // batch and removes it, or ran before and the nodes are no longer read.
      if (!(await this.locks.keyShare(m, deploymentId))) return 0;
      const rows = await this.nodes.runningNodesOfShard(
        m,
        deploymentId,
        shard,
        TELEMETRY_SHARD_SIZE,
      );
      if (rows.length === 0) return 0;
      if (!(await this.samples.claimShardTick(m, deploymentId, shard, at, rows.length))) return 0;
      const n = rows.length;
      const ids = new Int32Array(n);
      const seqs = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        ids[i] = rows[i].id;
        seqs[i] = rows[i].seq;
      }
      const metrics = {
        latency: new Float64Array(n),
        throughput: new Float64Array(n),
        errorRate: new Float64Array(n),
      };
      if (rows[0].fabric) {
        // In a fabric, each role has its profile, and slow spines slow every leaf by their share
        // of its uplinks.
        const spines = await this.nodes.spinesOf(m, deploymentId);
        const roles = rows.map((r) => r.role);
        const delay = uplinkDelayMs(spines.running, spines.total, tickAt);
        fillSamples(ids, seqs, tickAt, metrics, roles, delay);
      } else {
        fillSamples(ids, seqs, tickAt, metrics);
      }
      return this.samples.write(m, deploymentId, { nodeIds: ids, timestamps: at, ...metrics });
    });
    await recordShardDone(this.queue, tickAt, stored);
    return stored;
  }
}
