import { createHash } from 'node:crypto';

/** What a notification says about one alert. */
export interface NotifiedAlert {
  status: 'firing' | 'resolved';
  fingerprint: string;
  ruleId: number;
  ruleName: string;
  method: string;
  threshold: number;
  windowMinutes: number;
  deploymentId: number;
  deploymentName: string;
  nodeId: number;
  nodeIdentifier: string;
  deviationScore: number;
  metrics: Record<string, { value: number; z: number; triggered?: boolean }>;
  startsAt: Date;
  endsAt: Date | null;
}

/** Alertmanager's "no end" time, which its webhook sends for firing alerts. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

export const ALERT_NAME = 'NetorchNodeBottleneck';

function labels(a: NotifiedAlert): Record<string, string> {
  return {
    alertname: ALERT_NAME,
    deployment_id: String(a.deploymentId),
    deployment: a.deploymentName,
    node: a.nodeIdentifier,
    node_id: String(a.nodeId),
    rule_id: String(a.ruleId),
    rule: a.ruleName,
    method: a.method,
    severity: 'warning',
  };
}

function annotations(a: NotifiedAlert): Record<string, string> {
  const triggered = Object.entries(a.metrics)
    .filter(([, m]) => m.triggered)
    .map(([name, m]) => `${name} ${m.value.toPrecision(4)} (z ${m.z.toFixed(2)})`);
  return {
    summary:
      a.status === 'firing'
        ? `${a.nodeIdentifier} holds back fabric ${a.deploymentName}`
        : `${a.nodeIdentifier} no longer holds back fabric ${a.deploymentName}`,
    description: `Rule "${a.ruleName}" (${a.method}, threshold ${a.threshold}, ${a.windowMinutes} min window): deviation score ${a.deviationScore.toFixed(3)}${triggered.length ? `; ${triggered.join(', ')}` : ''}`,
    deviation_score: String(a.deviationScore),
  };
}

function generatorUrl(externalUrl: string, a: NotifiedAlert): string {
  return `${externalUrl}/deployments/${a.deploymentId}/bottlenecks?analysis_window_minutes=${a.windowMinutes}&threshold=${a.threshold}&method=${a.method}`;
}

/** One alert as Alertmanager's POST /api/v2/alerts takes it (a firing one has no endsAt). */
export function alertmanagerAlert(externalUrl: string, a: NotifiedAlert): Record<string, unknown> {
  return {
    labels: labels(a),
    annotations: annotations(a),
    startsAt: a.startsAt.toISOString(),
    ...(a.endsAt ? { endsAt: a.endsAt.toISOString() } : {}),
    generatorURL: generatorUrl(externalUrl, a),
  };
}

/**
 * The Alertmanager webhook payload (version 4) for one alert's state change, so receivers
 * written for Alertmanager work unchanged.
 */
export function webhookBody(
  receiverName: string,
  externalUrl: string,
  a: NotifiedAlert,
): Record<string, unknown> {
  const l = labels(a);
  return {
    version: '4',
    groupKey: `{}:{rule_id="${a.ruleId}", node_id="${a.nodeId}"}`,
    truncatedAlerts: 0,
    status: a.status,
    receiver: receiverName,
    groupLabels: { alertname: ALERT_NAME, rule_id: l.rule_id, node_id: l.node_id },
    commonLabels: l,
    commonAnnotations: annotations(a),
    externalURL: externalUrl,
    alerts: [
      {
        status: a.status,
        labels: l,
        annotations: annotations(a),
        startsAt: a.startsAt.toISOString(),
        endsAt: a.endsAt ? a.endsAt.toISOString() : ZERO_TIME,
        generatorURL: generatorUrl(externalUrl, a),
        fingerprint: a.fingerprint,
      },
    ],
  };
}

/** A deployment event a receiver subscribed to (a row of the events table, the outbox). */
export interface NotifiedEvent {
  eventId: string;
  type: DeploymentEventType;
  deploymentId: number;
  /** The deployment's name, or its id when it is gone. */
  deploymentName: string;
  reason: string | null;
  metadata: Record<string, unknown>;
  at: Date;
}

/** The deployment events a receiver may subscribe to, and the alert name each is sent as. */
export const DEPLOYMENT_EVENT_ALERTS = {
  ROLLOUT_HALTED: { alertname: 'RolloutHalted', severity: 'critical' },
  ROLLOUT_COMPLETED: { alertname: 'RolloutCompleted', severity: 'info' },
  DEPLOYMENT_DEGRADED: { alertname: 'DeploymentDegraded', severity: 'warning' },
  DEPLOYMENT_FAILED: { alertname: 'DeploymentFailed', severity: 'critical' },
} as const;
export type DeploymentEventType = keyof typeof DEPLOYMENT_EVENT_ALERTS;

function eventLabels(e: NotifiedEvent): Record<string, string> {
  return {
    alertname: DEPLOYMENT_EVENT_ALERTS[e.type].alertname,
    deployment_id: String(e.deploymentId),
    deployment: e.deploymentName,
    event: e.type,
    severity: DEPLOYMENT_EVENT_ALERTS[e.type].severity,
  };
}

const EVENT_SUMMARIES: Record<DeploymentEventType, (name: string) => string> = {
  ROLLOUT_HALTED: (name) => `The rollout of ${name} halted`,
  ROLLOUT_COMPLETED: (name) => `The rollout of ${name} completed`,
  DEPLOYMENT_DEGRADED: (name) => `${name} is degraded: every node is done, some FAILED`,
  DEPLOYMENT_FAILED: (name) => `${name} failed: every node is FAILED`,
};

/** Summary, the event's reason, and each of its figures as a string annotation. */
function eventAnnotations(e: NotifiedEvent): Record<string, string> {
  const figures: Record<string, string> = {};
  for (const [key, value] of Object.entries(e.metadata)) {
    if (value === null || value === undefined) continue;
    figures[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return {
    ...figures,
    summary: EVENT_SUMMARIES[e.type](e.deploymentName),
    ...(e.reason !== null
      ? {
          description: e.reason,
          ...(e.type === 'ROLLOUT_HALTED' ? { halted_reason: e.reason } : {}),
        }
      : {}),
    event_id: e.eventId,
  };
}

function eventFingerprint(e: NotifiedEvent): string {
  return createHash('sha256').update(`netorch:event=${e.eventId}`).digest('hex').slice(0, 16);
}

function eventUrl(externalUrl: string, e: NotifiedEvent): string {
  return `${externalUrl}/events?deployment_id=${e.deploymentId}&type=${e.type}`;
}

/**
 * One deployment event as Alertmanager's POST /api/v2/alerts takes it: a firing alert without
 * endsAt (an event has no end; Alertmanager resolves it after its resolve_timeout).
 */
export function alertmanagerEventAlert(
  externalUrl: string,
  e: NotifiedEvent,
): Record<string, unknown> {
  return {
    labels: eventLabels(e),
    annotations: eventAnnotations(e),
    startsAt: e.at.toISOString(),
    generatorURL: eventUrl(externalUrl, e),
  };
}

/** The Alertmanager webhook payload (version 4) for one deployment event: one firing alert. */
export function webhookEventBody(
  receiverName: string,
  externalUrl: string,
  e: NotifiedEvent,
): Record<string, unknown> {
  const l = eventLabels(e);
  const a = eventAnnotations(e);
  return {
    version: '4',
    groupKey: `{}:{deployment_id="${e.deploymentId}", event_id="${e.eventId}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: receiverName,
    groupLabels: { alertname: l.alertname, deployment_id: l.deployment_id },
    commonLabels: l,
    commonAnnotations: a,
    externalURL: externalUrl,
    alerts: [
      {
        status: 'firing',
        labels: l,
        annotations: a,
        startsAt: e.at.toISOString(),
        endsAt: ZERO_TIME,
        generatorURL: eventUrl(externalUrl, e),
        fingerprint: eventFingerprint(e),
      },
    ],
  };
}
