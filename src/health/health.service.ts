import { Inject, Injectable } from '@nestjs/common';
import { TelemetryStats } from '../telemetry/telemetry-stats';
import { fleetTotals } from './backend-snapshot';
import { BackendSnapshotService } from './backend-snapshot.service';

export type Up = 'healthy' | 'unhealthy';

export interface QueueDepths {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface HealthReport {
  status: 'healthy' | 'degraded';
  /** When the figures were read (at most SNAPSHOT_MAX_AGE_MS ago). */
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
  constructor(@Inject(BackendSnapshotService) private readonly snapshots: BackendSnapshotService) {}

  async report(): Promise<HealthReport> {
    const { readAt, database, redis } = await this.snapshots.get();
    // Every worker process attaches to every queue; the busiest queue counts them all.
    const workers = Math.max(0, ...(redis?.queues.map((q) => q.workers) ?? []));
    return {
      status: database && redis ? 'healthy' : 'degraded',
      timestamp: readAt.toISOString(),
      database: database ? 'healthy' : 'unhealthy',
      redis: redis ? 'healthy' : 'unhealthy',
      active_deployments: database ? fleetTotals(database.fleet).active : 0,
      active_workers: workers > 0,
      workers,
      queues: Object.fromEntries(
        (redis?.queues ?? []).map(({ name, counts }) => [
          name,
          {
            waiting: counts.waiting,
            active: counts.active,
            delayed: counts.delayed,
            failed: counts.failed,
          },
        ]),
      ),
      telemetry: redis?.telemetry ?? null,
    };
  }
}
