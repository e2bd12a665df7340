import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  PREFIX_FOLD_GRACE_MS,
  PREFIX_FOLD_LOCK_CLASS,
  PREFIX_KEEP_HOURS,
} from './telemetry.constants';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const METRICS = ['latency_ms', 'throughput_gbps', 'error_rate'] as const;

/**
 * One minute of running sums: the previous minute's row of each node (none at the start of an
 * hour) plus the node's rollup of this minute. Nodes silent this minute carry their row forward,
 * so the row at any minute covers every node that reported earlier in the hour. A refold after a
 * late sample overwrites the rows. $1 deployment, $2 minute, $3 minute starts an hour.
 */
const FOLD_MINUTE_SQL = `
  INSERT INTO telemetry_prefix_sums AS p
    (deployment_id, node_id, minute, n, last_ts, ${METRICS.map((m) => `${m}_sum`).join(', ')})
  SELECT $1, node_id, $2, coalesce(c.n, 0) + coalesce(r.n, 0), greatest(c.last_ts, r.last_ts),
         ${METRICS.map((m) => `coalesce(c.${m}_sum, 0) + coalesce(r.n * r.${m}_mean, 0)`).join(',\n         ')}
  FROM (SELECT node_id, n, last_ts, ${METRICS.map((m) => `${m}_sum`).join(', ')}
        FROM telemetry_prefix_sums
        WHERE NOT $3 AND deployment_id = $1 AND minute = $2::timestamptz - interval '1 minute') c
  FULL JOIN (SELECT node_id, n, last_ts, ${METRICS.map((m) => `${m}_mean`).join(', ')}
             FROM telemetry_rollups WHERE deployment_id = $1 AND minute = $2) r USING (node_id)
  ON CONFLICT (deployment_id, minute, node_id) DO UPDATE SET
    n = EXCLUDED.n, last_ts = EXCLUDED.last_ts,
    ${METRICS.map((m) => `${m}_sum = EXCLUDED.${m}_sum`).join(', ')}`;

/**
 * The moments of one minute's samples in 10-second buckets, after UNFOLD_BUCKETS_SQL removed
 * what an earlier fold of the minute wrote. $1 deployment, $2 minute.
 */
const FOLD_BUCKETS_SQL = `
  INSERT INTO telemetry_prefix_buckets (deployment_id, bucket, n, ${METRICS.map((m) => `${m}_mean, ${m}_m2`).join(', ')})
  SELECT $1, date_bin('10 seconds', "timestamp", timestamptz '1970-01-01 00:00:00+00'), count(*),
         ${METRICS.map((m) => `avg(${m}), var_pop(${m}) * count(*)`).join(', ')}
  FROM telemetry_samples
  WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $2::timestamptz + interval '1 minute'
  GROUP BY 2`;
const UNFOLD_BUCKETS_SQL = `
  DELETE FROM telemetry_prefix_buckets
  WHERE deployment_id = $1 AND bucket >= $2 AND bucket < $2::timestamptz + interval '1 minute'`;

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
 * {@link PREFIX_KEEP_HOURS} hours are kept.
 */
@Injectable()
export class TelemetryPrefixService {
  private readonly logger = new Logger(TelemetryPrefixService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Folds every deployment with telemetry in the kept hours up to the last passed minute. */
  async foldAll(now = new Date()): Promise<PrefixFold> {
    const keepFrom = new Date(
      Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - PREFIX_KEEP_HOURS * HOUR_MS,
    );
    const target = new Date(
      Math.floor((now.getTime() - PREFIX_FOLD_GRACE_MS) / MINUTE_MS) * MINUTE_MS,
    );
    // One index probe per deployment; deployments with marks keep being folded (and trimmed).
    const rows: { deployment_id: number }[] = await this.dataSource.query(
      `SELECT d.id AS deployment_id FROM deployments d
       WHERE EXISTS (SELECT 1 FROM telemetry_rollup_groups g
                     WHERE g.deployment_id = d.id AND g.minute >= $1)
          OR EXISTS (SELECT 1 FROM telemetry_prefix_marks p WHERE p.deployment_id = d.id)`,
      [keepFrom],
    );
    let minutes = 0;
    for (const { deployment_id } of rows) {
      minutes += await this.fold(deployment_id, keepFrom, target);
    }
    if (minutes > 0) {
      this.logger.debug(`Folded ${minutes} minutes of ${rows.length} deployments`);
    }
    return { deployments: rows.length, minutes };
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
    await m.query(`SELECT pg_advisory_xact_lock($1, $2)`, [PREFIX_FOLD_LOCK_CLASS, deploymentId]);
    const exists: unknown[] = await m.query(`SELECT 1 FROM deployments WHERE id = $1`, [
      deploymentId,
    ]);
    if (exists.length === 0) return 0;
    const [mark]: { since: Date; until: Date }[] = await m.query(
      `SELECT since, until FROM telemetry_prefix_marks WHERE deployment_id = $1`,
      [deploymentId],
    );
    // Whole hours only: a running sum starts at the top of its hour.
    const since = mark && mark.since > keepFrom ? mark.since : keepFrom;
    const minute = mark && mark.until > since ? mark.until : since;
    let until = minute;
    if (minute < target) {
      until = new Date(minute.getTime() + MINUTE_MS);
      const [{ carry, next }]: { carry: boolean; next: Date | null }[] = await m.query(
        `SELECT EXISTS (SELECT 1 FROM telemetry_prefix_sums WHERE NOT $4 AND deployment_id = $1
                          AND minute = $2::timestamptz - interval '1 minute') AS carry,
                (SELECT min(minute) FROM telemetry_rollup_groups
                 WHERE deployment_id = $1 AND minute >= $2 AND minute < $3) AS next`,
        [deploymentId, minute, target, minute.getTime() % HOUR_MS === 0],
      );
      if (!carry && (next === null || next > minute)) {
        until = next ?? target;
        await m.query(
          `DELETE FROM telemetry_prefix_sums WHERE deployment_id = $1 AND minute >= $2 AND minute < $3`,
          [deploymentId, minute, until],
        );
        await m.query(
          `DELETE FROM telemetry_prefix_buckets WHERE deployment_id = $1 AND bucket >= $2 AND bucket < $3`,
          [deploymentId, minute, until],
        );
      } else {
        await m.query(FOLD_MINUTE_SQL, [deploymentId, minute, minute.getTime() % HOUR_MS === 0]);
        await m.query(UNFOLD_BUCKETS_SQL, [deploymentId, minute]);
        await m.query(FOLD_BUCKETS_SQL, [deploymentId, minute]);
      }
    }
    // Rows older than `since` exist only once `since` has moved on to a later hour.
    if (!mark || since > mark.since) {
      await m.query(`DELETE FROM telemetry_prefix_sums WHERE deployment_id = $1 AND minute < $2`, [
        deploymentId,
        since,
      ]);
      await m.query(
        `DELETE FROM telemetry_prefix_buckets WHERE deployment_id = $1 AND bucket < $2`,
        [deploymentId, since],
      );
    }
    await m.query(
      `INSERT INTO telemetry_prefix_marks (deployment_id, since, until) VALUES ($1, $2, $3)
       ON CONFLICT (deployment_id) DO UPDATE SET since = EXCLUDED.since, until = EXCLUDED.until`,
      [deploymentId, since, until],
    );
    return (until.getTime() - minute.getTime()) / MINUTE_MS;
  }
}
