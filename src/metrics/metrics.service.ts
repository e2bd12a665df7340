import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyInstance } from 'fastify';
import { DataSource } from 'typeorm';
import { deploymentStatus, DeploymentStatus } from '../domain/deployment-status';
import { NODE_STATES, NodeState } from '../domain/node-state';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { QUEUE_JOB_STATES, SCRAPE_PROBE_TIMEOUT_MS, UNMATCHED_ROUTE } from './metrics.constants';
import { MetricsRegistry } from './metrics.registry';

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${SCRAPE_PROBE_TIMEOUT_MS} ms`)),
      SCRAPE_PROBE_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: JobEnqueueService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    // The worker role has no HTTP server and so nothing to time.
    if (!fastify?.addHook) return;
    fastify.addHook('onResponse', async (request, reply) => {
      this.metrics.httpDuration.observe(
        {
          method: request.method,
          route: request.routeOptions?.url ?? UNMATCHED_ROUTE,
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
    });
  }

  /** The Prometheus text exposition, with every store-backed figure read just now. */
  async scrape(): Promise<string> {
    await Promise.all([this.refreshFromDatabase(), this.refreshFromQueues()]);
    return this.metrics.registry.metrics();
  }

  get contentType(): string {
    return this.metrics.registry.contentType;
  }

  private async readDatabase(): Promise<DatabaseFigures> {
    // One statement, so node and deployment figures come from the same snapshot. It reads every
    // node row: nodes have no index on state, so that a transition never writes an index entry.
    const [rows, [sequence]] = await Promise.all([
      this.dataSource.query<{ id: number; state: NodeState | null; n: number }[]>(
        `SELECT d.id, n.state, count(n.id)::int AS n
         FROM deployments d LEFT JOIN nodes n ON n.deployment_id = d.id
         GROUP BY d.id, n.state`,
      ),
      // The id sequence only moves forward, even when retention drops samples, so it is a true
      // counter of every sample written by any process.
      this.dataSource.query<{ written: string }[]>(
        `SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS written
         FROM telemetry_samples_id_seq`,
      ),
    ]);
    const nodes = Object.fromEntries(NODE_STATES.map((s) => [s, 0])) as Record<NodeState, number>;
    const perDeployment = new Map<number, Record<NodeState, number>>();
    for (const row of rows) {
      let counts = perDeployment.get(row.id);
      if (!counts) {
        counts = Object.fromEntries(NODE_STATES.map((s) => [s, 0])) as Record<NodeState, number>;
        perDeployment.set(row.id, counts);
      }
      if (row.state !== null) {
        counts[row.state] = row.n;
        nodes[row.state] += row.n;
      }
    }
    const byStatus = Object.fromEntries(
      Object.values(DeploymentStatus).map((s) => [s, 0]),
    ) as Record<DeploymentStatus, number>;
    for (const counts of perDeployment.values()) byStatus[deploymentStatus(counts)] += 1;
    return {
      nodes,
      deployments: perDeployment.size,
      byStatus,
      samplesWritten: Number(sequence.written),
    };
  }

  private async refreshFromDatabase(): Promise<void> {
    const m = this.metrics;
    try {
      const figures = await withTimeout(this.readDatabase(), 'PostgreSQL');
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
