import { Counter, Histogram } from 'prom-client';
import { METRIC_PREFIX } from '../observability/metric-names';
import { workerMetrics } from '../observability/worker-metrics';

/** Run lengths: from seconds (an endpoint that answers at once) to a day (the longest timeout). */
const RUN_DURATION_BUCKETS = [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 86_400];

/**
 * The driver runs this process ended (a worker for ansible runs, timeouts and failed sends; the
 * API for callbacks), in the process's worker metrics registry.
 */
class DriverMetrics {
  readonly runs = new Counter({
    name: `${METRIC_PREFIX}driver_runs_total`,
    help: 'Driver runs ended, by driver, phase and outcome (succeeded, failed, partial, timed_out, cancelled)',
    labelNames: ['driver', 'phase', 'outcome'] as const,
    registers: [workerMetrics.registry],
  });

  readonly duration = new Histogram({
    name: `${METRIC_PREFIX}driver_run_duration_seconds`,
    help: 'From a driver run being recorded to its last result, by driver and phase',
    labelNames: ['driver', 'phase'] as const,
    buckets: RUN_DURATION_BUCKETS,
    registers: [workerMetrics.registry],
  });

  finished(driver: string, phase: string, outcome: string, startedAt: string, finishedAt: string) {
    this.runs.inc({ driver, phase, outcome });
    this.duration.observe(
      { driver, phase },
      (Date.parse(finishedAt) - Date.parse(startedAt)) / 1000,
    );
  }
}

export const driverMetrics = new DriverMetrics();
