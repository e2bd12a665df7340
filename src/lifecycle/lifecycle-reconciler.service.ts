import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { JobName } from '../queue/jobs';
import { RecurringJobsService } from '../queue/recurring-jobs.service';
import {
  LIFECYCLE_SHARD_SIZE,
  RECONCILE_EVERY_MS,
  RECONCILE_GRACE_MS,
} from './lifecycle.constants';
import { WakeUp } from './lifecycle-shards';

/**
 * Re-arms wake-ups for shards that are overdue: their wake-up was lost with Redis, swallowed by
 * a crash, or failed for good. Runs as a BullMQ job scheduler, so one worker of the fleet does
 * it per period; every worker checks that the scheduler itself still exists.
 */
@Injectable()
export class LifecycleReconcilerService implements OnApplicationBootstrap {
  private readonly logger = new Logger(LifecycleReconcilerService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(JobEnqueueService) private readonly jobs: JobEnqueueService,
    @Inject(RecurringJobsService) private readonly recurring: RecurringJobsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.recurring.keep(JobName.RECONCILE_LIFECYCLE, RECONCILE_EVERY_MS);
  }

  /**
   * Overdue shards: a timed node past its step end, or a waiting node that may be admitted (no
   * max_parallel, or a free slot under it).
   */
  async reconcile(): Promise<number> {
    const rows: { deployment_id: number; shard: number; due_ms: number }[] =
      await this.dataSource.query(
        `WITH active AS (
           SELECT deployment_id, count(*)::int AS n FROM nodes
           WHERE state IN ('PROVISIONING', 'CONFIGURING')
             AND deployment_id IN (SELECT id FROM deployments WHERE max_parallel IS NOT NULL)
           GROUP BY deployment_id
         )
         SELECT n.deployment_id, (n.seq - 1) / $1 AS shard,
                (extract(epoch FROM min(n.next_step_at)) * 1000)::float8 AS due_ms
         FROM nodes n
         JOIN deployments d ON d.id = n.deployment_id
         LEFT JOIN active a ON a.deployment_id = n.deployment_id
         WHERE n.next_step_at <= now() - $2 * interval '1 millisecond'
           AND (n.state IN ('PROVISIONING', 'CONFIGURING') OR d.max_parallel IS NULL
                OR d.max_parallel > COALESCE(a.n, 0))
         GROUP BY 1, 2`,
        [LIFECYCLE_SHARD_SIZE, RECONCILE_GRACE_MS],
      );
    if (rows.length === 0) return 0;
    const wakeUps: WakeUp[] = rows.map((r) => ({
      deploymentId: r.deployment_id,
      shard: r.shard,
      dueAtMs: r.due_ms,
    }));
    await this.jobs.rearmWakeUps(wakeUps);
    this.logger.warn(`Re-armed ${wakeUps.length} overdue shard wake-up(s)`);
    return wakeUps.length;
  }
}
