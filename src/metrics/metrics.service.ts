import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { withTimeout } from '../common/with-timeout';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { deploymentStatus, DeploymentStatus } from '../domain/deployment-status';
import { NODE_STATES, NodeState } from '../domain/node-state';
import { workerMetrics } from '../observability/worker-metrics';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { NodesRepository } from '../store/nodes.repository';
import { TelemetryRepository } from '../store/telemetry.repository';
import { QUEUE_JOB_STATES, SCRAPE_PROBE_TIMEOUT_MS, UNMATCHED_ROUTE } from './metrics.constants';
import { MetricsRegistry } from './metrics.registry';

interface DatabaseFigures {
  nodes: Record<NodeState, number>;
  deployments: number;
  byStatus: Record<DeploymentStatus, number>;
  samplesWritten: number;
}

/**
 * Keeps the HTTP histogram and, at every scrape, reads the fleet's figures from PostgreSQL and
 * the queue depths from Redis: API and worker processes scale separately, so only the shared
 * stores know the totals; a counter kept in this process would miss the workers' writes.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  private readonly logger = new Logger(MetricsService.name);
  readonly metrics = new MetricsRegistry();

  constructor(
    private readonly nodesRepository: NodesRepository,
    private readonly telemetry: TelemetryRepository,
    private readonly jobs: JobEnqueueService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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
   * The Prometheus text exposition, with every store-backed figure read just now; with
   * APP_ROLE=all also the metrics of the processors running in this process (a worker process
   * serves its own on METRICS_PORT).
   */
  async scrape(): Promise<string> {
    await Promise.all([this.refreshFromDatabase(), this.refreshFromQueues()]);
    const api = await this.metrics.registry.metrics();
    if (this.config.role !== 'all') return api;
    return `${api}\n${await workerMetrics.registry.metrics()}`;
  }

  get contentType(): string {
    return this.metrics.registry.contentType;
  }

  private async readDatabase(): Promise<DatabaseFigures> {
    // Node and deployment figures share one statement and so one snapshot, read from the
    // per-deployment state counts (never from the node rows). The sample id
    // sequence only moves forward, even when retention drops samples: a true counter of every
    // sample written by any process.
    const [rows, written] = await Promise.all([
      this.nodesRepository.fleetCounts(),
      this.telemetry.samplesWritten(),
    ]);
    const nodes = Object.fromEntries(NODE_STATES.map((s) => [s, 0])) as Record<NodeState, number>;
    const byStatus = Object.fromEntries(
      Object.values(DeploymentStatus).map((s) => [s, 0]),
    ) as Record<DeploymentStatus, number>;
    for (const { counts } of rows) {
      for (const s of NODE_STATES) nodes[s] += counts[s];
      byStatus[deploymentStatus(counts)] += 1;
    }
    return {
      nodes,
      deployments: rows.length,
      byStatus,
      samplesWritten: written,
    };
  }

  private async refreshFromDatabase(): Promise<void> {
    const m = this.metrics;
    try {
      const figures = await withTimeout(this.readDatabase(), SCRAPE_PROBE_TIMEOUT_MS, 'PostgreSQL');
      m.backendUp.set({ backend: 'postgresql' }, 1);
      for (const state of NODE_STATES) m.nodes.set({ state }, figures.nodes[state]);
      m.deployments.set(figures.deployments);
      for (const [status, n] of Object.entries(figures.byStatus)) {
        m.deploymentsByStatus.set({ status }, n);
      }
      // prom-client counters only go up by inc(); the stored total is authoritative.
      m.samplesWritten.reset();
      m.samplesWritten.inc(figures.samplesWritten);
    } catch (error) {
      this.logger.warn(`Metrics scrape could not read PostgreSQL: ${(error as Error).message}`);
      m.backendUp.set({ backend: 'postgresql' }, 0);
      // An absent series is honest; a stale gauge would look like a healthy, frozen fleet. The
      // counter keeps its last value: dropping it would read as a counter reset.
      m.nodes.reset();
      m.deployments.reset();
      m.deploymentsByStatus.reset();
    }
  }

  private async refreshFromQueues(): Promise<void> {
    const m = this.metrics;
    try {
      const queues = this.jobs.allQueues();
      const [counts, workers] = await withTimeout(
        Promise.all([
          Promise.all(queues.map((q) => q.getJobCounts(...QUEUE_JOB_STATES))),
          Promise.all(queues.map((q) => q.getWorkersCount())),
        ]),
        SCRAPE_PROBE_TIMEOUT_MS,
        'Redis',
      );
      m.backendUp.set({ backend: 'redis' }, 1);
      queues.forEach((queue, i) => {
        for (const state of QUEUE_JOB_STATES) {
          m.queueJobs.set({ queue: queue.name, state }, counts[i][state] ?? 0);
        }
        m.queueWorkers.set({ queue: queue.name }, workers[i]);
      });
    } catch (error) {
      this.logger.warn(`Metrics scrape could not read Redis: ${(error as Error).message}`);
      m.backendUp.set({ backend: 'redis' }, 0);
      m.queueJobs.reset();
      m.queueWorkers.reset();
    }
  }
}
