import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { FeatureConfig } from '../config/config-slices';
import { InjectConfig } from '../config/config.module';
import { NODE_STATES } from '../domain/node-state';
import { BackendSnapshot, fleetTotals } from '../health/backend-snapshot';
import { BackendSnapshotService } from '../health/backend-snapshot.service';
import { workerMetrics } from '../observability/worker-metrics';
import { QUEUE_JOB_STATES } from '../queue/job-states';
import { UNMATCHED_ROUTE } from './metrics.constants';
import { MetricsRegistry } from './metrics.registry';

/**
 * Keeps the HTTP histogram and, at a scrape, sets the fleet's figures and the queue depths from
 * the backend snapshot shared with the health probes: API and worker processes scale
 * separately, so only the shared stores know the totals, and a counter kept in this process
 * would miss the workers' writes. The exposition is rendered once per snapshot, so a flood of
 * scrapes also runs the registry's own collectors (alerting's) at most once per snapshot.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly metrics = new MetricsRegistry();

  /** The store figures rendered from the latest snapshot; concurrent scrapes share them. */
  private rendered: { snapshot: BackendSnapshot; text: Promise<string> } | undefined;

  constructor(
    private readonly snapshots: BackendSnapshotService,
    private readonly adapterHost: HttpAdapterHost,
    @InjectConfig('metrics') private readonly config: FeatureConfig<'metrics'>,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    // The worker role has no HTTP server and so nothing to time.
    if (!fastify?.addHook) return;
    // A callback hook: an async one would cost a promise per request.
    fastify.addHook('onResponse', (request, reply, done) => {
      this.metrics.httpDuration.observe(
        {
          method: request.method,
          route: request.routeOptions?.url ?? UNMATCHED_ROUTE,
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }

  /**
   * The Prometheus text exposition: the store figures as of the current backend snapshot (at
   * most SNAPSHOT_MAX_AGE_MS old), this process's own figures as of now; with APP_ROLE=all also
   * the metrics of the processors running in this process (a worker process serves its own on
   * METRICS_PORT).
   */
  async scrape(): Promise<string> {
    const snapshot = await this.snapshots.get();
    if (this.rendered?.snapshot !== snapshot) {
      this.rendered = { snapshot, text: this.renderStores(snapshot) };
    }
    const [stores, local] = await Promise.all([this.rendered.text, this.metrics.local.metrics()]);
    const api = `${local}\n${stores}`;
    if (this.config.role !== 'all') return api;
    return `${api}\n${await workerMetrics.registry.metrics()}`;
  }

  get contentType(): string {
    return this.metrics.registry.contentType;
  }

  private renderStores(snapshot: BackendSnapshot): Promise<string> {
    this.applyDatabase(snapshot.database);
    this.applyQueues(snapshot.redis);
    return this.metrics.registry.metrics();
  }

  private applyDatabase(database: BackendSnapshot['database']): void {
    const m = this.metrics;
    if (!database) {
      m.backendUp.set({ backend: 'postgresql' }, 0);
      // An absent series is honest; a stale gauge would look like a healthy, frozen fleet. The
      // counter keeps its last value: dropping it would read as a counter reset.
      m.nodes.reset();
      m.deployments.reset();
      m.deploymentsByStatus.reset();
      return;
    }
    const totals = fleetTotals(database.fleet);
    m.backendUp.set({ backend: 'postgresql' }, 1);
    for (const state of NODE_STATES) m.nodes.set({ state }, totals.nodes[state]);
    m.deployments.set(totals.deployments);
    for (const [status, n] of Object.entries(totals.byStatus)) {
      m.deploymentsByStatus.set({ status }, n);
    }
    // prom-client counters only go up by inc(); the stored total is authoritative.
    m.samplesWritten.reset();
    m.samplesWritten.inc(database.samplesWritten);
  }

  private applyQueues(redis: BackendSnapshot['redis']): void {
    const m = this.metrics;
    if (!redis) {
      m.backendUp.set({ backend: 'redis' }, 0);
      m.queueJobs.reset();
      m.queueWorkers.reset();
      return;
    }
    m.backendUp.set({ backend: 'redis' }, 1);
    for (const queue of redis.queues) {
      for (const state of QUEUE_JOB_STATES) {
        m.queueJobs.set({ queue: queue.name, state }, queue.counts[state]);
      }
      m.queueWorkers.set({ queue: queue.name }, queue.workers);
    }
  }
}
