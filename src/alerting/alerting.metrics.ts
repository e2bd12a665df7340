import type { FactoryProvider, Type } from '@nestjs/common';
import { Counter, Gauge, Registry } from 'prom-client';
import { deploymentStatus, DeploymentStatus } from '../domain/deployment-status';
import { NodesRepository } from '../store/nodes.repository';
import { AlertDeliveriesRepository } from './alert-deliveries.repository';
import { AlertRulesRepository } from './alert-rules.repository';
import { ALERT_STATES } from './alert-state';
import { AlertsRepository } from './alerts.repository';

const DELIVERY_OUTCOMES = ['pending', 'delivered', 'failed', 'silenced'] as const;

/** The repositories whose counts the figures are. */
export interface AlertingFigureSources {
  alerts: AlertsRepository;
  deliveries: AlertDeliveriesRepository;
  rules: AlertRulesRepository;
}

/**
 * Alerting's Prometheus figures, read from PostgreSQL at each scrape (the workers evaluate and
 * deliver, the API is scraped): alerts by state, flagged nodes by deployment status, deliveries
 * by outcome, evaluation duration.
 */
export function registerAlertingMetrics(
  registry: Registry,
  { alerts, deliveries, rules }: AlertingFigureSources,
  nodes: NodesRepository,
): void {
  new Gauge({
    name: 'netorch_alerts',
    help: 'Alerts by state (pending, firing, resolved), over every rule',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const counts = new Map((await alerts.alertCounts()).map((r) => [r.state, r.n]));
      for (const state of ALERT_STATES) this.set({ state }, counts.get(state) ?? 0);
    },
  });
  new Gauge({
    name: 'netorch_alert_flagged_nodes',
    help: 'Nodes that a firing alert flags as a bottleneck, by the status of their deployment (one series per status, whatever the number of deployments)',
    labelNames: ['deployment_status'] as const,
    registers: [registry],
    async collect() {
      const [firing, fleet] = await Promise.all([
        alerts.firingNodesByDeployment(),
        nodes.fleetCounts(),
      ]);
      const statusOf = new Map(fleet.map((d) => [d.id, deploymentStatus(d.counts, d.rollout)]));
      const sums = new Map<string, number>();
      // A deleted deployment's alerts resolve at the next evaluation; until then they count nowhere.
      for (const { deployment_id, n } of firing) {
        const status = statusOf.get(deployment_id);
        if (status !== undefined) sums.set(status, (sums.get(status) ?? 0) + n);
      }
      for (const status of Object.values(DeploymentStatus)) {
        this.set({ deployment_status: status }, sums.get(status) ?? 0);
      }
    },
  });
  new Gauge({
    name: 'netorch_alert_deliveries',
    help: 'Notifications by outcome (pending, delivered, failed, silenced)',
    labelNames: ['outcome'] as const,
    registers: [registry],
    async collect() {
      const counts = new Map((await deliveries.deliveryCounts()).map((r) => [r.status, r.n]));
      for (const outcome of DELIVERY_OUTCOMES) this.set({ outcome }, counts.get(outcome) ?? 0);
    },
  });
  new Gauge({
    name: 'netorch_alert_evaluation_last_duration_seconds',
    help: 'Duration of the last evaluation of every due alert rule',
    registers: [registry],
    async collect() {
      this.set((await rules.evaluationStats())?.last_seconds ?? 0);
    },
  });
  new Counter({
    name: 'netorch_alert_evaluation_seconds_total',
    help: 'Total time spent evaluating alert rules',
    registers: [registry],
    async collect() {
      this.reset();
      this.inc((await rules.evaluationStats())?.seconds_total ?? 0);
    },
  });
  new Counter({
    name: 'netorch_alert_evaluations_total',
    help: 'Evaluation intervals that evaluated at least one alert rule',
    registers: [registry],
    async collect() {
      this.reset();
      this.inc(Number((await rules.evaluationStats())?.evaluations ?? 0));
    },
  });
}

/**
 * The provider that registers these metrics with the scrape's registry: `host` is the class of
 * the metrics service (passed in, as the metrics layer sits above this one).
 */
export function alertingMetricsProvider(
  host: Type<{ metrics: { registry: Registry } }>,
): FactoryProvider {
  return {
    provide: 'ALERTING_METRICS',
    inject: [
      host,
      AlertsRepository,
      AlertDeliveriesRepository,
      AlertRulesRepository,
      NodesRepository,
    ],
    useFactory: (
      service: { metrics: { registry: Registry } },
      alerts: AlertsRepository,
      deliveries: AlertDeliveriesRepository,
      rules: AlertRulesRepository,
      nodes: NodesRepository,
    ) => registerAlertingMetrics(service.metrics.registry, { alerts, deliveries, rules }, nodes),
  };
}
