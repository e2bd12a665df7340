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
