import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { FeatureConfig } from '../config/config-slices';
import { InjectConfig } from '../config/config.module';
import { deploymentStatus, DeploymentStatus } from '../domain/deployment-status';
import { EventType } from '../domain/event-type';
import { EventsRepository, OUTBOX_EVENT_TYPES, OutboxRow } from '../store/events.repository';
import { NodesRepository } from '../store/nodes.repository';
import { Queryable } from '../store/queryable';
import { AlertDeliveriesRepository, NewDelivery } from './alert-deliveries.repository';
import { AlertNotifier } from './alert-notifier.service';
import { AlertOutboxRepository } from './alert-outbox.repository';
import { AlertReceiversRepository, ReceiverRow } from './alert-receivers.repository';
import { AlertSilencesRepository } from './alert-silences.repository';
import { eventDedupeKey } from './receiver-events';
import {
  alertmanagerEventAlert,
  DeploymentEventType,
  NotifiedEvent,
  webhookEventBody,
} from './notification-body';

/** Outbox events turned into deliveries per transaction. */
const OUTBOX_BATCH = 500;
/** Batches one run takes at most (the next run goes on). */
const MAX_OUTBOX_BATCHES = 20;

/** The statuses whose entry is an event, and the event each writes. */
const STATUS_EVENTS: Partial<Record<DeploymentStatus, EventType>> = {
  [DeploymentStatus.DEGRADED]: EventType.DEPLOYMENT_DEGRADED,
  [DeploymentStatus.FAILED]: EventType.DEPLOYMENT_FAILED,
};

/** What one outbox run did. */
export interface OutboxOutcome {
  /** DEPLOYMENT_DEGRADED / DEPLOYMENT_FAILED events written. */
  statusEvents: number;
  /** Deliveries of deployment events queued. */
  notifications: number;
  /** Pending deliveries without a job queued again. */
  requeued: number;
}

/**
 * Deployment events for receivers, the alert outbox job. The events table is the outbox:
 * 1. statuses: each deployment's status (from the kept per-state node counts) is compared with
 *    the one recorded at the last run; a change into degraded or failed writes
 *    DEPLOYMENT_DEGRADED / DEPLOYMENT_FAILED to the audit trail, in the transaction that
 *    records the new status, so each entry is written once;
 * 2. outbox: events of the subscribable types after the stored cursor (in the live stream's
 *    (transaction, id) order, below the oldest running transaction, so none is skipped) become
 *    one delivery per subscribed receiver, unique per (event, receiver), in the transaction
 *    that moves the cursor past them. Jobs are added after commit; a job lost with a crash or
 *    with Redis (of these deliveries or of an alert's) is added again by this job's sweep of
 *    pending deliveries.
 * The cursor row is locked (SKIP LOCKED) for both, so one worker at a time does this. It runs
 * whether or not any alert rule exists.
 */
@Injectable()
export class DeploymentEventsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig('alerting') private readonly config: FeatureConfig<'alerting'>,
    private readonly outbox: AlertOutboxRepository,
    private readonly receivers: AlertReceiversRepository,
    private readonly silences: AlertSilencesRepository,
    private readonly deliveries: AlertDeliveriesRepository,
    private readonly events: EventsRepository,
    private readonly nodes: NodesRepository,
    private readonly notifier: AlertNotifier,
  ) {}

  /** The sweep, then both steps. */
  async run(): Promise<OutboxOutcome> {
    // First, so that a failure of the steps below does not hold back the deliveries of alerts.
    const requeued = await this.notifier.requeueStale();
    const statusEvents = await this.recordStatuses();
    if (statusEvents === null) return { statusEvents: 0, notifications: 0, requeued };
    let notifications = 0;
    for (let i = 0; i < MAX_OUTBOX_BATCHES; i++) {
      const batch = await this.dataSource.transaction(async (m) => {
        const position = await this.outbox.lockOutbox(m);
        if (!position) return null;
        const rows = await this.events.outboxAfter(m, position.cursor, OUTBOX_BATCH);
        if (rows.length === 0) return null;
        const last = rows[rows.length - 1];
        const ids = await this.deliver(m, rows);
        await this.outbox.advanceOutbox(m, { xid: last.xid, id: Number(last.id) });
        return { ids, full: rows.length === OUTBOX_BATCH };
      });
      if (batch === null) break;
      notifications += batch.ids.length;
      await this.notifier.enqueue(batch.ids);
      if (!batch.full) break;
    }
    return { statusEvents, notifications, requeued };
  }

  /** Step 1; null when another worker holds the outbox. */
  private async recordStatuses(): Promise<number | null> {
    return this.dataSource.transaction(async (m) => {
      if (!(await this.outbox.lockOutbox(m))) return null;
      const fleet = await this.nodes.fleetCounts();
      const counts = new Map(fleet.map((d) => [d.id, d.counts]));
      const changed = await this.outbox.recordStatuses(
        m,
        fleet.map((d) => ({ deploymentId: d.id, status: deploymentStatus(d.counts, d.rollout) })),
      );
      const entered = changed.filter((c) => STATUS_EVENTS[c.status as DeploymentStatus]);
      await this.events.writeMany(
        m,
        entered.map((c) => {
          const n = counts.get(c.deployment_id)!;
          const total = Object.values(n).reduce((a, b) => a + b, 0);
          return {
            deploymentId: c.deployment_id,
            type: STATUS_EVENTS[c.status as DeploymentStatus]!,
            reason: `${n.FAILED} of ${total} nodes FAILED, ${n.RUNNING} RUNNING`,
            metadata: {
              status: c.status,
              previous_status: c.previous,
              nodes: total,
              running: n.RUNNING,
              failed: n.FAILED,
              failed_percent: total > 0 ? Math.round((n.FAILED * 10000) / total) / 100 : 0,
            },
          };
        }),
      );
      return entered.length;
    });
  }

  /** One delivery per (event, subscribed receiver); the ids of those to send. */
  private async deliver(m: Queryable, rows: OutboxRow[]) {
    const receivers = await this.receivers.subscribedReceivers(m, OUTBOX_EVENT_TYPES);
    if (receivers.length === 0) return [];
    const silenced = await this.silences.silencedDeployments(m, [
      ...new Set(rows.map((r) => r.deployment_id)),
    ]);
    const deliveries: NewDelivery[] = [];
    for (const row of rows) {
      const event: NotifiedEvent = {
        eventId: String(row.id),
        type: row.type as DeploymentEventType,
        deploymentId: row.deployment_id,
        deploymentName: row.deployment_name ?? String(row.deployment_id),
        reason: row.reason,
        metadata: row.metadata ?? {},
        at: new Date(row.created_at),
      };
      for (const receiver of receivers.filter((r) => r.events.includes(row.type))) {
        deliveries.push({
          id: randomUUID(),
          receiverId: receiver.id,
          dedupeKey: eventDedupeKey(row.id, receiver.id),
          alertId: null,
          eventId: String(row.id),
          kind: row.type,
          status: silenced.has(row.deployment_id) ? 'silenced' : 'pending',
          body: this.body(receiver, event),
        });
      }
    }
    const stored = await this.deliveries.insertDeliveries(m, deliveries);
    return deliveries.filter((d) => d.status === 'pending' && stored.has(d.id)).map((d) => d.id);
  }

  private body(receiver: ReceiverRow, event: NotifiedEvent): string {
    const url = this.config.alertExternalUrl;
    return receiver.type === 'alertmanager'
      ? JSON.stringify([alertmanagerEventAlert(url, event)])
      : JSON.stringify(webhookEventBody(receiver.name, url, event));
  }
}
