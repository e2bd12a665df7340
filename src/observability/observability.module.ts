import {
  Global,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { Server } from 'node:http';
import { FeatureConfig } from '../config/config-slices';
import { InjectConfig } from '../config/config.module';
import { startWorkerMetricsServer } from './metrics-server';
import { activeTracing } from './tracing';
import { workerMetrics } from './worker-metrics';

/**
 * A worker's METRICS_PORT server, started once the processors run and closed at shutdown, and
 * the spans still buffered sent before the process exits.
 */
@Injectable()
export class ObservabilityLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Observability');
  private server: Server | undefined;

  constructor(
    @InjectConfig('observability') private readonly config: FeatureConfig<'observability'>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // APP_ROLE=all serves the worker metrics on the API's /metrics instead.
    if (this.config.role !== 'worker' || this.config.metricsPort === 0) return;
    this.server = await startWorkerMetricsServer(
      this.config.host,
      this.config.metricsPort,
      workerMetrics,
    );
    this.logger.log(
      `Worker metrics on http://${this.config.host}:${this.config.metricsPort}/metrics`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (server) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    }
    await activeTracing()
      ?.flush()
      .catch(() => undefined);
  }
}

/** Observability of every role: the worker metrics port and the trace flush at shutdown. */
@Global()
@Module({ providers: [ObservabilityLifecycle] })
export class ObservabilityModule {}
