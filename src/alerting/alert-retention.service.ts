import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { FeatureConfig } from '../config/config-slices';
import { InjectConfig } from '../config/config.module';
import { AlertDeliveriesRepository } from './alert-deliveries.repository';
import { AlertOutboxRepository } from './alert-outbox.repository';
import { AlertSilencesRepository } from './alert-silences.repository';
import { AlertsRepository } from './alerts.repository';
import { ALERT_PRUNE_EVERY_MS } from './alerting.constants';

/** Rows per delete statement. */
export const ALERT_PRUNE_BATCH = 5000;
const DAY_MS = 86_400_000;

export interface AlertPrune {
  cutoff: string;
  alerts: number;
  deliveries: number;
  attempts: number;
  silences: number;
}

/**
 * Retention of alerting's history, the alert retention job: resolved alerts that ended, and
 * delivery records (attempts, and deliveries no longer pending) made, more than
 * ALERT_RETENTION_DAYS ago, and silences that ended as long ago, are deleted set-based, in statements of ALERT_PRUNE_BATCH rows.
 * Whichever worker's job finds the last prune ALERT_PRUNE_EVERY_MS old does it.
 */
@Injectable()
export class AlertRetentionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig('alerting') private readonly config: FeatureConfig<'alerting'>,
    private readonly outbox: AlertOutboxRepository,
    private readonly alerts: AlertsRepository,
    private readonly deliveries: AlertDeliveriesRepository,
    private readonly silences: AlertSilencesRepository,
  ) {}

  /** Prunes when a prune is due; null when not (or retention is off). */
  async pruneIfDue(): Promise<AlertPrune | null> {
    if (this.config.alertRetentionDays === 0) return null;
    if (!(await this.outbox.claimPrune(this.dataSource, ALERT_PRUNE_EVERY_MS))) return null;
    const cutoff = new Date(Date.now() - this.config.alertRetentionDays * DAY_MS);
    const alerts = await this.alerts.pruneResolved(cutoff, ALERT_PRUNE_BATCH);
    const { deliveries, attempts } = await this.deliveries.prune(cutoff, ALERT_PRUNE_BATCH);
    const silences = await this.silences.pruneEnded(cutoff, ALERT_PRUNE_BATCH);
    return { cutoff: cutoff.toISOString(), alerts, deliveries, attempts, silences };
  }
}
