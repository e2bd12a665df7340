import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DeploymentStatus } from '../domain/deployment-status';
import { NodeState } from '../domain/node-state';
import { QUEUE_JOB_STATES } from '../queue/job-states';
import { HTTP_DURATION_BUCKETS, METRIC_PREFIX } from './metrics.constants';

/**
 * Registries per application instance (not prom-client's global one), so a second app in the
 * same process, as in tests, never meets "metric already registered". Two of them: `registry`
 * holds the figures read from the stores (rendered once per backend snapshot, since their
 * collectors query PostgreSQL), `local` those this process keeps (rendered at every scrape).
 */
export class MetricsRegistry {
  readonly registry = new Registry();
  readonly local = new Registry();

  readonly httpDuration = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    registers: [this.local],
  });

  readonly backendUp = new Gauge({
    name: `${METRIC_PREFIX}backend_up`,
    help: 'Whether a backing service answered during this scrape (1) or not (0)',
    labelNames: ['backend'] as const,
    registers: [this.registry],
  });

  readonly nodes = new Gauge({
    name: `${METRIC_PREFIX}nodes`,
    help: 'Nodes in each lifecycle state, summed over all deployments',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly deployments = new Gauge({
    name: `${METRIC_PREFIX}deployments`,
    help: 'Deployments that exist',
    registers: [this.registry],
  });

  readonly deploymentsByStatus = new Gauge({
    name: `${METRIC_PREFIX}deployments_by_status`,
    help: `Deployments by status (${Object.values(DeploymentStatus).join(', ')})`,
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly samplesWritten = new Counter({
    name: `${METRIC_PREFIX}telemetry_samples_written_total`,
    help: 'Telemetry samples ever written (collected or pushed), read from the sample id sequence',
    registers: [this.registry],
  });

  readonly queueJobs = new Gauge({
    name: `${METRIC_PREFIX}queue_jobs`,
    help: `BullMQ jobs per queue and state (${QUEUE_JOB_STATES.join(', ')})`,
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  readonly queueWorkers = new Gauge({
    name: `${METRIC_PREFIX}queue_workers`,
    help: 'Worker connections attached to each queue',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.local, prefix: '' });
    // Zero series exist from the first scrape, so rate() and alerts never see a gap.
    for (const state of Object.values(NodeState)) this.nodes.set({ state }, 0);
    for (const status of Object.values(DeploymentStatus)) {
      this.deploymentsByStatus.set({ status }, 0);
    }
  }
}
