import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { EventType } from '../domain/event-type';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { JobName } from '../queue/jobs';
import {
  AlertingRepository,
  AlertRow,
  AlertWrite,
  ReceiverRow,
  RuleRow,
} from '../store/alerting.repository';
import { EventsRepository } from '../store/events.repository';
import { Queryable } from '../store/queryable';
import { AlertStep, AlertTiming } from './alert-state';
import { alertmanagerAlert, NotifiedAlert, webhookBody } from './notification-body';

/** Every delivery job: first retry after ~1 s, doubling up to a minute, 12 attempts (~8 min). */
export const DELIVERY_ATTEMPTS = 12;
export const DELIVERY_FIRST_RETRY_MS = 1000;
export const DELIVERY_MAX_BACKOFF_MS = 60_000;

/** The backoff of delivery retries (BullMQ custom strategy): 1 s, 2 s, 4 s ... capped, ±20%. */
export function deliveryBackoff(attemptsMade: number): number {
  const base = Math.min(DELIVERY_MAX_BACKOFF_MS, DELIVERY_FIRST_RETRY_MS * 2 ** (attemptsMade - 1));
  return Math.round(base * (0.8 + 0.4 * Math.random()));
}

/** What the detector said of a node at this evaluation. */
export interface Observation {
  nodeIdentifier: string;
  deviationScore: number;
  metrics: AlertRow['metrics'];
}

export function timingOf(a: AlertRow): AlertTiming {
  return {
    state: a.state,
    activeSince: new Date(a.active_since),
    startsAt: a.starts_at ? new Date(a.starts_at) : null,
    endsAt: a.ends_at ? new Date(a.ends_at) : null,
    lastBreachAt: new Date(a.last_breach_at),
  };
}

/**
 * Writes one alert's step inside the caller's transaction: the alert row, and on a change to
 * firing or resolved the audit event and one delivery row per receiver (unique per alert,
 * change and receiver, so a step written twice notifies once). Silenced notifications are
 * stored as `silenced` and never sent. Returns the ids of the deliveries to send after commit.
 */
@Injectable()
export class AlertNotifier {
  private readonly logger = new Logger(AlertNotifier.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: AlertingRepository,
    private readonly events: EventsRepository,
    private readonly jobs: JobEnqueueService,
  ) {}

  async write(
    m: Queryable,
    ctx: {
      rule: RuleRow;
      deploymentName: string;
      nodeId: number;
      prev: AlertRow | null;
      step: AlertStep;
      seen: Observation | null;
      receivers: ReceiverRow[];
      fingerprint: string;
      /** Alerts that only saw another breach are collected here for one batch update. */
      touched?: Parameters<AlertingRepository['touchAlerts']>[1];
    },
  ): Promise<string[]> {
    const { rule, prev, step, seen } = ctx;
    if (step.next === null) {
      if (prev) await this.repo.deleteAlert(m, prev.id);
      return [];
    }
    const next = step.next;
    const row: AlertWrite = {
      fingerprint: ctx.fingerprint,
      rule_id: rule.id,
      rule_name: rule.name,
      deployment_id: rule.deployment_id,
      node_id: ctx.nodeId,
      node_identifier: seen?.nodeIdentifier ?? prev?.node_identifier ?? '',
      state: next.state,
      active_since: next.activeSince,
      starts_at: next.startsAt,
      ends_at: next.endsAt,
      last_breach_at: next.lastBreachAt,
      deviation_score: seen?.deviationScore ?? prev?.deviation_score ?? 0,
      metrics: seen?.metrics ?? prev?.metrics ?? {},
    };
    let alertId: string;
    if (prev) {
      alertId = prev.id;
      if (prev.state !== row.state) {
        await this.repo.updateAlert(m, alertId, row);
      } else if (new Date(prev.last_breach_at).getTime() !== row.last_breach_at.getTime()) {
        if (ctx.touched) {
          ctx.touched.push({
            id: alertId,
            lastBreachAt: row.last_breach_at,
            deviationScore: row.deviation_score,
            metrics: row.metrics,
          });
        } else {
          await this.repo.updateAlert(m, alertId, row);
        }
      }
    } else {
      alertId = await this.repo.insertAlert(m, row);
    }
    const refresh = step.transition === null && next.state === 'firing';
    if (step.transition === null && !refresh) return [];
    const notified: NotifiedAlert = {
      status: next.state === 'resolved' ? 'resolved' : 'firing',
      fingerprint: row.fingerprint,
      ruleId: rule.id,
      ruleName: rule.name,
      method: rule.method,
      threshold: rule.threshold,
      windowMinutes: rule.window_minutes,
      deploymentId: rule.deployment_id,
      deploymentName: ctx.deploymentName,
      nodeId: ctx.nodeId,
      nodeIdentifier: row.node_identifier,
      deviationScore: row.deviation_score,
      metrics: row.metrics,
      startsAt: next.startsAt ?? next.activeSince,
      endsAt: next.endsAt,
    };
    const eventType = next.state === 'resolved' ? EventType.ALERT_RESOLVED : EventType.ALERT_FIRING;
    if (step.transition !== null) {
      await this.events.write(m, {
        deploymentId: rule.deployment_id,
        type: eventType,
        nodeId: ctx.nodeId,
        nodeIdentifier: row.node_identifier,
        reason: rule.name,
        metadata: {
          alert_id: Number(alertId),
          fingerprint: row.fingerprint,
          rule_id: rule.id,
          starts_at: notified.startsAt.toISOString(),
          ends_at: next.endsAt?.toISOString() ?? null,
          deviation_score: row.deviation_score,
          metrics: row.metrics,
        },
      });
    }
    const silenced = await this.repo.isSilenced(m, {
      deploymentId: rule.deployment_id,
      nodeId: ctx.nodeId,
      ruleId: rule.id,
    });
    const toSend: string[] = [];
    for (const receiver of ctx.receivers) {
      if (receiver.events.length > 0 && !receiver.events.includes(eventType)) continue;
      // Alertmanager expects firing alerts again at every evaluation; webhooks get changes only.
      if (refresh && receiver.type !== 'alertmanager') continue;
      const id = randomUUID();
      const kind = refresh ? 'refresh' : (step.transition as string);
      const body =
        receiver.type === 'alertmanager'
          ? JSON.stringify([alertmanagerAlert(this.config.alertExternalUrl, notified)])
          : JSON.stringify(webhookBody(receiver.name, this.config.alertExternalUrl, notified));
      const created = await this.repo.insertDelivery(m, {
        id,
        receiverId: receiver.id,
        dedupeKey: refresh
          ? `alert:${alertId}:refresh:${Date.now()}:receiver:${receiver.id}`
          : `alert:${alertId}:${kind}:receiver:${receiver.id}`,
        alertId,
        kind,
        status: silenced ? 'silenced' : 'pending',
        body,
      });
      if (created && !silenced) toSend.push(id);
    }
    return toSend;
  }

  /** Adds one delivery job per id (job id = delivery id, so adding twice sends once). */
  async enqueue(deliveryIds: string[], jobIdSuffix = ''): Promise<void> {
    if (deliveryIds.length === 0) return;
    await this.jobs
      .addBulk(
        JobName.DELIVER_NOTIFICATION,
        deliveryIds.map((deliveryId) => ({
          payload: { deliveryId },
          options: {
            jobId: `${deliveryId}${jobIdSuffix}`,
            attempts: DELIVERY_ATTEMPTS,
            backoff: { type: 'delivery' },
          },
        })),
      )
      .catch((error: Error) =>
        // The evaluation's sweep adds them again from the pending rows.
        this.logger.warn(`Could not queue ${deliveryIds.length} deliveries (${error.message})`),
      );
  }
}
