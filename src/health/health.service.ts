import { Inject, Injectable } from '@nestjs/common';
import { withTimeout } from '../common/with-timeout';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { QueueName } from '../queue/jobs';
import { NodesRepository } from '../store/nodes.repository';
import { readTelemetryStats, TelemetryStats } from '../telemetry/telemetry-stats';

const PROBE_TIMEOUT_MS = 2000;

export type Up = 'healthy' | 'unhealthy';

export interface QueueDepths {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface HealthReport {
  status: 'healthy' | 'degraded';
  timestamp: string;
  database: Up;
  redis: Up;
  active_deployments: number;
  active_workers: boolean;
  workers: number;
  queues: Record<string, QueueDepths>;
  /** Scheduled collection bookkeeping; null while Redis is unavailable. */
  telemetry: TelemetryStats | null;
}

@Injectable()
export class HealthService {
  constructor(
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(JobEnqueueService) private readonly jobs: JobEnqueueService,
  ) {}

  async database(): Promise<{ up: Up; activeDeployments: number }> {
    try {
      const active = await withTimeout(
        this.nodes.activeDeployments(),
        PROBE_TIMEOUT_MS,
        'PostgreSQL',
      );
      return { up: 'healthy', activeDeployments: active };
    } catch {
      return { up: 'unhealthy', activeDeployments: 0 };
    }
  }

  async redis(): Promise<{
    up: Up;
    workers: number;
    queues: Record<string, QueueDepths>;
    telemetry: TelemetryStats | null;
  }> {
    try {
      const queues = this.jobs.allQueues();
      const [counts, workers, telemetry] = await withTimeout(
        Promise.all([
          Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'failed'))),
          Promise.all(queues.map((q) => q.getWorkersCount())),
          readTelemetryStats(this.jobs.queue(QueueName.TELEMETRY)),
        ]),
        PROBE_TIMEOUT_MS,
        'Redis',
      );
      return {
        up: 'healthy',
        // Every worker process attaches to every queue; the lifecycle queue counts them.
        workers: Math.max(0, ...workers),
        queues: Object.fromEntries(
          queues.map((q, i) => [q.name, counts[i] as unknown as QueueDepths]),
        ),
        telemetry,
      };
    } catch {
      return { up: 'unhealthy', workers: 0, queues: {}, telemetry: null };
    }
  }

  async report(): Promise<HealthReport> {
    const [db, redis] = await Promise.all([this.database(), this.redis()]);
    return {
      status: db.up === 'healthy' && redis.up === 'healthy' ? 'healthy' : 'degraded',
      timestamp: new Date().toISOString(),
      database: db.up,
      redis: redis.up,
      active_deployments: db.activeDeployments,
      active_workers: redis.workers > 0,
      workers: redis.workers,
      queues: redis.queues,
      telemetry: redis.telemetry,
    };
  }
}
