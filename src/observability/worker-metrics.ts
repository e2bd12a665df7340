import { Counter, Histogram, Metric, Registry } from 'prom-client';
import { METRIC_PREFIX } from './metric-names';

/** Job run time in seconds: a telemetry shard takes milliseconds, a large advance seconds. */
export const JOB_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Nodes moved by one batch statement; a batch moves at most ADVANCE_BATCH_SIZE (2,000). */
export const BATCH_SIZE_BUCKETS = [1, 5, 10, 50, 100, 250, 500, 1000, 2000];
/**
 * Seconds between a node's scheduled step end and the batch that moved it. The batch statement
 * counts its moves per bucket (store/node-transition-sql.ts), so these bounds are its SQL too.
 */
export const TRANSITION_LATENESS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];
/** From a collection tick's scheduled time to its last shard stored. */
export const TICK_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

/** What a batch statement says about its moves, per shard row. */
export interface TransitionSummary {
  moved: number;
  /** Moves at most TRANSITION_LATENESS_BUCKETS[i] seconds late, cumulative. */
  lateness_le?: number[] | null;
  /** Sum of the moves' lateness, seconds. */
  lateness_sum?: number | null;
}

/**
 * A histogram fed whole batches at once: cumulative bucket counts, a count and a sum, as the
 * batch statement computes them, instead of one observe() per node. Exposed like prom-client's.
 */
export class BatchHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private cumulative: number[];
  private count = 0;
  private sum = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
    registry: Registry,
  ) {
    this.cumulative = bounds.map(() => 0);
    registry.registerMetric(this as unknown as Metric);
  }

  /** Adds a batch: `cumulative[i]` of its `count` values are <= bounds[i]; they sum to `sum`. */
  add(cumulative: readonly number[], count: number, sum: number): void {
    if (cumulative.length !== this.bounds.length) {
      throw new Error(`${this.name}: expected ${this.bounds.length} bucket counts`);
    }
    for (let i = 0; i < cumulative.length; i++) this.cumulative[i] += cumulative[i];
    this.count += count;
    this.sum += sum;
  }

  async get() {
    const bucket = `${this.name}_bucket`;
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: [
        ...this.bounds.map((le, i) => ({
          metricName: bucket,
          labels: { le },
          value: this.cumulative[i],
        })),
        { metricName: bucket, labels: { le: '+Inf' }, value: this.count },
        { metricName: `${this.name}_sum`, labels: {}, value: this.sum },
        { metricName: `${this.name}_count`, labels: {}, value: this.count },
      ],
    };
  }

  reset(): void {
    this.cumulative = this.bounds.map(() => 0);
    this.count = 0;
    this.sum = 0;
  }
}

/**
 * A gauge computed at each scrape that is absent (no sample at all) while `compute` says
 * undefined: prom-client's own gauge without labels always reports a value, 0 at first, which
 * for a lag would read as "perfectly fresh".
 */
export class ComputedGauge {
  readonly type = 'gauge';
  readonly aggregator = 'min';

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly compute: () => number | undefined,
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  async get() {
    const value = this.compute();
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: value === undefined ? [] : [{ labels: {}, value }],
    };
  }

  reset(): void {}
}

/**
 * What the queue processors measure in this process: jobs, lifecycle batches, collection ticks
 * and the running-sum fold. One registry per process (workers are processes), served on
 * METRICS_PORT by a worker and on the API's /metrics with APP_ROLE=all.
 */
export class WorkerMetrics {
  readonly registry = new Registry();

  readonly jobDuration = new Histogram({
    name: `${METRIC_PREFIX}job_duration_seconds`,
    help: 'Run time of each job attempt by queue, job name and outcome (completed, failed)',
    labelNames: ['queue', 'name', 'outcome'] as const,
    buckets: JOB_DURATION_BUCKETS,
    registers: [this.registry],
  });

  readonly jobsFailed = new Counter({
    name: `${METRIC_PREFIX}jobs_failed_total`,
    help: 'Job attempts that failed by queue and job name; final="true" when no attempt is left',
    labelNames: ['queue', 'name', 'final'] as const,
    registers: [this.registry],
  });

  readonly batchSize = new Histogram({
    name: `${METRIC_PREFIX}lifecycle_batch_size`,
    help: 'Nodes moved by each lifecycle batch statement that moved any',
    buckets: BATCH_SIZE_BUCKETS,
    registers: [this.registry],
  });

  readonly transitions = new Counter({
    name: `${METRIC_PREFIX}lifecycle_transitions_total`,
    help: 'Node state transitions made by this process (rate() gives transitions per second)',
    registers: [this.registry],
  });

  readonly transitionLateness = new BatchHistogram(
    `${METRIC_PREFIX}lifecycle_transition_lateness_seconds`,
    'Seconds from the end of a node step as scheduled (next_step_at) to the batch that moved it',
    TRANSITION_LATENESS_BUCKETS,
    this.registry,
  );

  readonly tickDuration = new Histogram({
    name: `${METRIC_PREFIX}telemetry_tick_duration_seconds`,
    help: "From a collection tick's scheduled time to its last shard stored",
    buckets: TICK_DURATION_BUCKETS,
    registers: [this.registry],
  });

  readonly ticksSkipped = new Counter({
    name: `${METRIC_PREFIX}telemetry_ticks_skipped_total`,
    help: "Collection ticks skipped because the previous tick's shards were still running",
    registers: [this.registry],
  });

  private foldedUpTo: number | undefined;

  /** Absent until this process folded once; the freshest worker (min) is the fold's real lag. */
  readonly foldLag = new ComputedGauge(
    `${METRIC_PREFIX}telemetry_fold_lag_seconds`,
    'Seconds from the end of the last minute folded into the running sums by this process to now',
    () => (this.foldedUpTo === undefined ? undefined : (Date.now() - this.foldedUpTo) / 1000),
    this.registry,
  );

  constructor() {
    // Series without labels exist from the first scrape, so rate() and alerts never see a gap.
    this.transitions.inc(0);
    this.ticksSkipped.inc(0);
  }

  /** One batch statement's rows (one per shard it touched). */
  observeTransitions(rows: readonly TransitionSummary[]): void {
    let moved = 0;
    for (const row of rows) {
      moved += row.moved;
      if (row.moved > 0 && row.lateness_le) {
        this.transitionLateness.add(row.lateness_le, row.moved, row.lateness_sum ?? 0);
      }
    }
    if (moved === 0) return;
    this.transitions.inc(moved);
    this.batchSize.observe(moved);
  }

  /** A fold brought the running sums up to `until`. */
  folded(until: Date): void {
    this.foldedUpTo = Math.max(this.foldedUpTo ?? 0, until.getTime());
  }
}

/** This process's worker metrics (one per process, like its queues' workers). */
export const workerMetrics = new WorkerMetrics();
