import { Counter } from 'prom-client';
import { METRIC_PREFIX } from '../../../observability/metric-names';
import { workerMetrics } from '../../../observability/worker-metrics';

/** The worker's SNMP polling, on the worker's metrics endpoint. */
export const snmpMetrics = {
  polls: new Counter({
    name: `${METRIC_PREFIX}snmp_polls_total`,
    help: 'SNMP node polls by outcome: sample, primed (first poll), dropped (restart or counter went backwards), unreachable, no_credential',
    labelNames: ['outcome'],
    registers: [workerMetrics.registry],
  }),
};
