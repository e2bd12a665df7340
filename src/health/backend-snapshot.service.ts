import { Inject, Injectable, Logger } from '@nestjs/common';
import { withTimeout } from '../common/with-timeout';
import { QUEUE_JOB_STATES } from '../queue/job-states';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { QueueName } from '../queue/jobs';
import { NodesRepository } from '../store/nodes.repository';
import { TelemetryRepository } from '../store/telemetry.repository';
import { readTelemetryStats } from '../telemetry/telemetry-stats';
import { BackendSnapshot, QueueJobState } from './backend-snapshot';
import { SnapshotCache } from './snapshot-cache';

/**
 * How old the figures behind /health, /health/ready and /metrics may be. Together with the read
 * timeout it bounds how late readiness notices a lost backend: 2 s + 2 s, within 5 s.
 */
export const SNAPSHOT_MAX_AGE_MS = 2000;
/** A probe must answer even when PostgreSQL or Redis hangs; Prometheus times out at 10 s. */
export const BACKEND_READ_TIMEOUT_MS = 2000;

/**
 * The one place the public probes and the scrape read PostgreSQL and Redis: a snapshot at most
 * SNAPSHOT_MAX_AGE_MS old, with at most one read in flight, so a flood of probe requests costs
 * a few reads per second instead of several per request.
 */
@Injectable()
export class BackendSnapshotService {
  private readonly logger = new Logger(BackendSnapshotService.name);
  private readonly cache = new SnapshotCache(() => this.read(), SNAPSHOT_MAX_AGE_MS);

  constructor(
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(TelemetryRepository) private readonly telemetry: TelemetryRepository,
    @Inject(JobEnqueueService) private readonly jobs: JobEnqueueService,
  ) {}

  /** The current snapshot; never rejects (a backend that did not answer is null in it). */
  get(): Promise<BackendSnapshot> {
    return this.cache.get();
  }

  private async read(): Promise<BackendSnapshot> {
    const readAt = new Date();
    const [database, redis] = await Promise.all([this.readDatabase(), this.readRedis()]);
    return { readAt, database, redis };
  }

  private async readDatabase(): Promise<BackendSnapshot['database']> {
    try {
      // Per-deployment state counts (never the node rows) give every fleet figure; the sample
      // id sequence only moves forward, a true counter of samples written by any process.
      const [fleet, samplesWritten] = await withTimeout(
        Promise.all([this.nodes.fleetCounts(), this.telemetry.samplesWritten()]),
        BACKEND_READ_TIMEOUT_MS,
        'PostgreSQL',
      );
      return { fleet, samplesWritten };
    } catch (error) {
      this.logger.warn(`Health snapshot could not read PostgreSQL: ${(error as Error).message}`);
      return null;
    }
  }

  private async readRedis(): Promise<BackendSnapshot['redis']> {
    try {
      const queues = this.jobs.allQueues();
      const [counts, workers, telemetry] = await withTimeout(
        Promise.all([
          Promise.all(queues.map((q) => q.getJobCounts(...QUEUE_JOB_STATES))),
          Promise.all(queues.map((q) => q.getWorkersCount())),
          readTelemetryStats(this.jobs.queue(QueueName.TELEMETRY)),
        ]),
        BACKEND_READ_TIMEOUT_MS,
        'Redis',
      );
      return {
        queues: queues.map((q, i) => ({
          name: q.name,
          counts: Object.fromEntries(
            QUEUE_JOB_STATES.map((state) => [state, counts[i][state] ?? 0]),
          ) as Record<QueueJobState, number>,
          workers: workers[i],
        })),
        telemetry,
      };
    } catch (error) {
      this.logger.warn(`Health snapshot could not read Redis: ${(error as Error).message}`);
      return null;
    }
  }
}
