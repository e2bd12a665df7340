import { Inject, Injectable, Logger } from '@nestjs/common';
import { NodesRepository } from '../store/nodes.repository';
import { LIFECYCLE_SHARD_SIZE, RECONCILE_GRACE_MS } from './lifecycle.constants';
import { WakeUp } from './lifecycle-shards';
import { WakeUpService } from './wake-ups.service';

/**
 * Re-arms wake-ups for shards that are overdue: their wake-up was lost with Redis, swallowed by
 * a crash, or failed for good. Runs as a BullMQ job scheduler, so one worker of the fleet does
 * it per period; every worker checks that the scheduler itself still exists.
 */
@Injectable()
export class LifecycleReconcilerService {
  private readonly logger = new Logger(LifecycleReconcilerService.name);

  constructor(
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(WakeUpService) private readonly wakeUps: WakeUpService,
  ) {}

  /**
   * Overdue shards: a timed node past its step end, or a waiting node that may be admitted (no
   * max_parallel, or a free slot under it).
   */
  async reconcile(): Promise<number> {
    const rows = await this.nodes.overdueShards(LIFECYCLE_SHARD_SIZE, RECONCILE_GRACE_MS);
    if (rows.length === 0) return 0;
    const wakeUps: WakeUp[] = rows.map((r) => ({
      deploymentId: r.deployment_id,
      shard: r.shard,
      dueAtMs: r.due_ms,
    }));
    await this.wakeUps.rearm(wakeUps);
    this.logger.warn(`Re-armed ${wakeUps.length} overdue shard wake-up(s)`);
    return wakeUps.length;
  }
}
