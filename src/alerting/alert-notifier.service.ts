import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { EventType } from '../domain/event-type';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { JOB_QUEUE, JobName } from '../queue/jobs';
import { EventsRepository } from '../store/events.repository';
import { Queryable } from '../store/queryable';
import { AlertDeliveriesRepository, NewDelivery, StaleCursor } from './alert-deliveries.repository';
import { ReceiverRow } from './alert-receivers.repository';
import { RuleRow } from './alert-rules.repository';
import { AlertSilencesRepository } from './alert-silences.repository';
import { alertFingerprint, AlertStep, AlertTiming } from './alert-state';
import { STALE_DELIVERY_MS, STALE_SWEEP_BATCH } from './alerting.constants';
import { AlertRow, AlertsRepository, AlertTouch, AlertWrite } from './alerts.repository';
import { alertmanagerAlert, NotifiedAlert, webhookBody } from './notification-body';
import { receiverTakesAlert } from './receiver-events';

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

/** One (rule, node) of an evaluation: the alert before, its step, and what the detector saw. */
export interface StepInput {
  nodeId: number;
  prev: AlertRow | null;
  step: AlertStep;
  seen: Observation | null;
}

/** What a rule's steps are written with: the rule, its deployment's name, its receivers. */
export interface StepContext {
  rule: RuleRow;
  deploymentName: string;
  receivers: ReceiverRow[];
}

/** An alert notification to write once the alert's id is known. */
interface Notice {
  row: AlertWrite;
  prevId: string | null;
  next: AlertTiming;
  transition: AlertStep['transition'];
  refresh: boolean;
}

/**
 * Writes the steps of one rule's alerts inside the caller's transaction, set-based: whatever
 * the number of alerts, one statement each for the cleared pending alerts, the new alerts, the
 * alerts that change state, the alerts that only saw another breach, the audit events of the
 * changes to firing or resolved, the silences that cover them, and their deliveries (one per
 * receiver, unique per alert, change and receiver, so a step written twice notifies once).
 * Silenced notifications are stored as `silenced` and never sent. Returns the ids of the
 * deliveries to send after commit.
 */
@Injectable()
export class AlertNotifier {
  private readonly logger = new Logger(AlertNotifier.name);
  /** Where this process's last sweep of stale deliveries stopped (null: from the oldest). */
  private staleCursor: StaleCursor | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly alerts: AlertsRepository,
    private readonly silences: AlertSilencesRepository,
    private readonly deliveryLog: AlertDeliveriesRepository,
    private readonly events: EventsRepository,
    private readonly jobs: JobEnqueueService,
  ) {}

  async writeSteps(m: Queryable, ctx: StepContext, steps: StepInput[]): Promise<string[]> {
    const { rule } = ctx;
    const cleared: string[] = [];
    const inserts: AlertWrite[] = [];
    const changes: (AlertWrite & { id: string })[] = [];
    const touched: AlertTouch[] = [];
    const notices: Notice[] = [];
    // Alertmanager expects firing alerts again at every evaluation; webhooks get changes only.
    const refreshes = ctx.receivers.some((r) => r.type === 'alertmanager');
    for (const { nodeId, prev, step, seen } of steps) {
      if (step.next === null) {
        if (prev) cleared.push(prev.id);
        continue;
      }
      const next = step.next;
      const row: AlertWrite = {
        fingerprint: alertFingerprint(rule.id, nodeId),
        rule_id: rule.id,
        rule_name: rule.name,
        deployment_id: rule.deployment_id,
        node_id: nodeId,
        node_identifier: seen?.nodeIdentifier ?? prev?.node_identifier ?? '',
        state: next.state,
        active_since: next.activeSince,
        starts_at: next.startsAt,
        ends_at: next.endsAt,
        last_breach_at: next.lastBreachAt,
        deviation_score: seen?.deviationScore ?? prev?.deviation_score ?? 0,
        metrics: seen?.metrics ?? prev?.metrics ?? {},
      };
      if (!prev) {
        inserts.push(row);
      } else if (prev.state !== row.state) {
        changes.push({ ...row, id: prev.id });
      } else if (new Date(prev.last_breach_at).getTime() !== row.last_breach_at.getTime()) {
        touched.push({
          id: prev.id,
          lastBreachAt: row.last_breach_at,
          deviationScore: row.deviation_score,
          metrics: row.metrics,
        });
      }
      const refresh = refreshes && step.transition === null && next.state === 'firing';
      if (step.transition !== null || refresh) {
        notices.push({ row, prevId: prev?.id ?? null, next, transition: step.transition, refresh });
      }
    }
    await this.alerts.deleteAlerts(m, cleared);
    const created = await this.alerts.insertAlerts(m, inserts);
    await this.alerts.updateAlerts(m, changes);
    await this.alerts.touchAlerts(m, touched);
    if (notices.length === 0) return [];

    const idOf = (n: Notice) => n.prevId ?? created.get(n.row.node_id)!;
    const notified = (n: Notice): NotifiedAlert => ({
      status: n.next.state === 'resolved' ? 'resolved' : 'firing',
      fingerprint: n.row.fingerprint,
      ruleId: rule.id,
      ruleName: rule.name,
      method: rule.method,
      threshold: rule.threshold,
      windowMinutes: rule.window_minutes,
      deploymentId: rule.deployment_id,
      deploymentName: ctx.deploymentName,
      nodeId: n.row.node_id,
      nodeIdentifier: n.row.node_identifier,
      deviationScore: n.row.deviation_score,
      metrics: n.row.metrics,
      startsAt: n.next.startsAt ?? n.next.activeSince,
      endsAt: n.next.endsAt,
    });
    const typeOf = (n: Notice) =>
      n.next.state === 'resolved' ? EventType.ALERT_RESOLVED : EventType.ALERT_FIRING;
    await this.events.writeMany(
      m,
      notices
        .filter((n) => n.transition !== null)
        .map((n) => ({
          deploymentId: rule.deployment_id,
          type: typeOf(n),
          nodeId: n.row.node_id,
          nodeIdentifier: n.row.node_identifier,
          reason: rule.name,
          metadata: {
            alert_id: Number(idOf(n)),
            fingerprint: n.row.fingerprint,
            rule_id: rule.id,
            starts_at: (n.next.startsAt ?? n.next.activeSince).toISOString(),
            ends_at: n.next.endsAt?.toISOString() ?? null,
            deviation_score: n.row.deviation_score,
            metrics: n.row.metrics,
          },
        })),
    );

    const takes = (receiver: ReceiverRow, n: Notice) =>
      receiverTakesAlert(receiver, typeOf(n)) && (!n.refresh || receiver.type === 'alertmanager');
    if (!ctx.receivers.some((r) => notices.some((n) => takes(r, n)))) return [];
    const silenced = await this.silences.silencedNodes(m, {
      deploymentId: rule.deployment_id,
      ruleId: rule.id,
      nodeIds: [...new Set(notices.map((n) => n.row.node_id))],
    });
    const deliveries: NewDelivery[] = [];
    for (const receiver of ctx.receivers) {
      const taken = notices.filter((n) => takes(receiver, n));
      if (taken.length === 0) continue;
      if (receiver.type === 'alertmanager') {
        // A batch that replaced a waiting one's body is sent by that one's job.
        const batch = await this.alertmanagerBatch(m, rule.id, receiver, taken, silenced, notified);
        if (batch) deliveries.push(batch);
        continue;
      }
      for (const n of taken) {
        const alertId = idOf(n);
        const kind = n.transition as string;
        deliveries.push({
          id: randomUUID(),
          receiverId: receiver.id,
          dedupeKey: `alert:${alertId}:${kind}:receiver:${receiver.id}`,
          alertId,
          kind,
          status: silenced.has(n.row.node_id) ? 'silenced' : 'pending',
          body: JSON.stringify(
            webhookBody(receiver.name, this.config.alertExternalUrl, notified(n)),
          ),
        });
      }
    }
    const stored = await this.deliveryLog.insertDeliveries(m, deliveries);
    return deliveries.filter((d) => d.status === 'pending' && stored.has(d.id)).map((d) => d.id);
  }

  /**
   * One Alertmanager receiver's notification of one rule's evaluation: every alert it takes in
   * one array (one POST, however many alerts). While an earlier one still waits (a receiver
   * that does not answer), its body is replaced instead, keeping the resolved alerts it held
   * that this one does not name: one pending delivery per (rule, receiver), whatever the
   * number of evaluations. Silenced nodes are left out; a change of silenced nodes only is
   * stored as `silenced`.
   */
  private async alertmanagerBatch(
    m: Queryable,
    ruleId: number,
    receiver: ReceiverRow,
    taken: Notice[],
    silenced: Set<number>,
    notified: (n: Notice) => NotifiedAlert,
  ): Promise<NewDelivery | null> {
    const live = taken.filter((n) => !silenced.has(n.row.node_id));
    const keyPrefix = `rule:${ruleId}:alertmanager:${receiver.id}:`;
    const base = {
      id: randomUUID(),
      receiverId: receiver.id,
      dedupeKey: `${keyPrefix}${Date.now()}:${randomUUID()}`,
      alertId: null,
      kind: 'alerts',
    };
    if (live.length === 0) {
      if (!taken.some((n) => n.transition !== null)) return null;
      const body = taken.map((n) => alertmanagerAlert(this.config.alertExternalUrl, notified(n)));
      return { ...base, status: 'silenced', body: JSON.stringify(body) };
    }
    const alerts = live.map((n) => alertmanagerAlert(this.config.alertExternalUrl, notified(n)));
    const waiting = await this.deliveryLog.pendingBatch(m, receiver.id, keyPrefix);
    if (!waiting) return { ...base, status: 'pending', body: JSON.stringify(alerts) };
    const key = (a: Record<string, unknown>) => JSON.stringify(a.labels);
    const named = new Set(alerts.map(key));
    const earlier = JSON.parse(waiting.body) as Record<string, unknown>[];
    const kept = earlier.filter((a) => a.endsAt !== undefined && !named.has(key(a)));
    await this.deliveryLog.replaceBody(m, waiting.id, JSON.stringify([...alerts, ...kept]));
    return null;
  }

  /** Adds one delivery job per id (job id = delivery id, so adding twice sends once). */
  async enqueue(deliveryIds: string[], jobIdSuffix = '', attempts = DELIVERY_ATTEMPTS) {
    if (deliveryIds.length === 0) return;
    await this.jobs
      .addBulk(
        JobName.DELIVER_NOTIFICATION,
        deliveryIds.map((deliveryId) => ({
          payload: { deliveryId },
          options: {
            jobId: `${deliveryId}${jobIdSuffix}`,
            attempts,
            backoff: { type: 'delivery' },
          },
        })),
      )
      .catch((error: Error) =>
        // The outbox job's sweep adds them again from the pending rows.
        this.logger.warn(`Could not queue ${deliveryIds.length} deliveries (${error.message})`),
      );
  }

  /** Sends a pending delivery again under a job of its own (named on the row for the sweep). */
  async requeue(deliveryId: string, attempts = DELIVERY_ATTEMPTS): Promise<void> {
    const suffix = `-q${Date.now()}`;
    await this.deliveryLog.setJob(deliveryId, `${deliveryId}${suffix}`);
    await this.enqueue([deliveryId], suffix, attempts);
  }

  /**
   * Looks at the pending deliveries older than STALE_DELIVERY_MS: one whose job still waits or
   * runs is left alone; one whose job ended (its outcome was never recorded) is failed; one whose
   * job is gone (never added, or lost with Redis) is queued again with the attempts it has left,
   * or failed when it has none, so its retries stop.
   */
  async requeueStale(): Promise<number> {
    const stale = await this.deliveryLog.stalePending(
      new Date(Date.now() - STALE_DELIVERY_MS),
      STALE_SWEEP_BATCH,
      this.staleCursor,
    );
    // The next sweep goes on after this one; past the end it starts again from the oldest.
    this.staleCursor = stale.length === STALE_SWEEP_BATCH ? stale[stale.length - 1] : null;
    const queue = this.jobs.queue(JOB_QUEUE[JobName.DELIVER_NOTIFICATION]);
    let requeued = 0;
    for (const d of stale) {
      const state = await queue.getJobState(d.job_id);
      if (state === 'completed' || state === 'failed') {
        await this.deliveryLog.markFailed(d.id, 'its job ended without recording an outcome');
      } else if (state === 'unknown') {
        if (d.attempts >= DELIVERY_ATTEMPTS) {
          await this.deliveryLog.markFailed(
            d.id,
            `its job was lost after ${d.attempts} attempts; not retried`,
          );
        } else {
          await this.requeue(d.id, DELIVERY_ATTEMPTS - d.attempts);
          requeued++;
        }
      }
    }
    return requeued;
  }
}
