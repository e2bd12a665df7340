import { Counter } from 'prom-client';
import { METRIC_PREFIX } from '../../observability/metric-names';
import { workerMetrics } from '../../observability/worker-metrics';

/** The worker's Prometheus source, on the worker's metrics endpoint. */
export const prometheusSourceMetrics = {
  queries: new Counter({
    name: `${METRIC_PREFIX}prometheus_source_queries_total`,
    help: 'Instant queries of Prometheus sources by outcome: ok, rejected (Prometheus refused the query), failed (server unreachable or failing)',
    labelNames: ['outcome'],
    registers: [workerMetrics.registry],
  }),
  failedTicks: new Counter({
    name: `${METRIC_PREFIX}prometheus_source_failed_ticks_total`,
    help: 'Collections of a deployment from Prometheus that stored nothing because a query failed',
    registers: [workerMetrics.registry],
  }),
  unmatchedSeries: new Counter({
    name: `${METRIC_PREFIX}prometheus_source_unmatched_series_total`,
    help: 'Series a Prometheus source returned that matched no node of the deployment',
    registers: [workerMetrics.registry],
  }),
};
