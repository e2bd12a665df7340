import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { HOUR_MS, MINUTE_MS } from '../domain/time';
import { workerMetrics } from '../observability/worker-metrics';
import { DeploymentsRepository } from '../store/deployments.repository';
import { LockService } from '../store/locks';
import { TrendsRepository } from '../trends/trends.repository';
import { TelemetryRollupsRepository } from './telemetry-rollups.repository';
import { PREFIX_FOLD_GRACE_MS, PREFIX_KEEP_HOURS } from './telemetry.constants';

export interface PrefixFold {
  deployments: number;
  minutes: number;
}

/**
 * Keeps telemetry_prefix_sums (migration 1764250600000): per node, running sums within each UTC
 * hour, folded minute by minute once a minute has passed, and the deployment's 10-second sample
 * moments (telemetry_prefix_buckets). Bottleneck detection then reads two or three rows per node
 * for any window instead of one rollup per minute, and at most 10 s of raw samples for the
 * baseline of the window's leading partial minute.
 *
 * A fold holds the deployment's fold lock exclusively; every statement writing samples takes it
 * shared (rollup trigger) and sample deletes exclusively, so each folded minute holds every
 * sample committed in it; a sample written into a folded minute afterwards lowers the marks
 * (rollup trigger) and the next fold redoes the minutes from there. It is an advisory lock, not
 * the deployment row: lifecycle batches hold that row KEY SHARE and then upgrade their lock,
 * which deadlocks with a fold queued for the row. Only the current and the previous
 * {@link PREFIX_KEEP_HOURS} hours are kept. Each folded minute also gets its node-minute
 * regression states (TrendsRepository.foldMinute), which are kept as long as the samples.
 */
@Injectable()
export class TelemetryPrefixService {
  private readonly logger = new Logger(TelemetryPrefixService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly locks: LockService,
    private readonly deployments: DeploymentsRepository,
    private readonly rollups: TelemetryRollupsRepository,
    private readonly trends: TrendsRepository,
  ) {}

  /** Folds every deployment with telemetry in the kept hours up to the last passed minute. */
  async foldAll(now = new Date()): Promise<PrefixFold> {
    const keepFrom = new Date(
      Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - PREFIX_KEEP_HOURS * HOUR_MS,
    );
    const target = new Date(
      Math.floor((now.getTime() - PREFIX_FOLD_GRACE_MS) / MINUTE_MS) * MINUTE_MS,
    );
    const deployments = await this.rollups.deploymentsToFold(keepFrom);
    let minutes = 0;
    for (const deploymentId of deployments) {
      minutes += await this.fold(deploymentId, keepFrom, target);
    }
    if (minutes > 0) {
      this.logger.debug(`Folded ${minutes} minutes of ${deployments.length} deployments`);
    }
    // Every deployment's running sums now reach `target`: the fold lag is counted from there.
    workerMetrics.folded(target);
    return { deployments: deployments.length, minutes };
  }

  /** Folds one deployment, one minute per transaction; returns the minutes it advanced. */
  private async fold(deploymentId: number, keepFrom: Date, target: Date): Promise<number> {
    let folded = 0;
    for (;;) {
      const step = await this.dataSource.transaction((m) =>
        this.foldStep(m, deploymentId, keepFrom, target),
      );
      if (step === 0) return folded;
      folded += step;
    }
  }

  /**
   * Folds the next minute, or passes a stretch of minutes with nothing to fold at once (no row
   * to carry forward and no samples): the fold lock is held for one minute's work at most, so
   * writers to the deployment wait that long at most.
   */
  private async foldStep(
    m: EntityManager,
    deploymentId: number,
    keepFrom: Date,
    target: Date,
  ): Promise<number> {
    await this.locks.fold(m, deploymentId);
    if (!(await this.deployments.exists(deploymentId, m))) return 0;
    const mark = await this.rollups.prefixMarks(m, deploymentId);
    // Whole hours only: a running sum starts at the top of its hour.
    const since = mark && mark.since > keepFrom ? mark.since : keepFrom;
    const minute = mark && mark.until > since ? mark.until : since;
    let until = minute;
    if (minute < target) {
      until = new Date(minute.getTime() + MINUTE_MS);
      const { carry, next } = await this.rollups.foldProbe(m, deploymentId, minute, target);
      if (!carry && (next === null || next > minute)) {
        until = next ?? target;
        await this.rollups.clearPrefix(m, deploymentId, minute, until);
      } else {
        await this.rollups.foldMinute(m, deploymentId, minute);
        await this.trends.foldMinute(m, deploymentId, minute);
      }
    }
    // Rows older than `since` exist only once `since` has moved on to a later hour.
    if (!mark || since > mark.since) {
      await this.rollups.trimPrefix(m, deploymentId, since);
    }
    await this.rollups.setPrefixMarks(m, deploymentId, { since, until });
    return (until.getTime() - minute.getTime()) / MINUTE_MS;
  }
}
