import { Module } from '@nestjs/common';
import { alertingMetricsProvider } from '../alerting/alerting.metrics';
import { BackendSnapshotModule } from '../health/backend-snapshot.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** GET /metrics: process, HTTP, fleet and queue metrics in Prometheus text format. */
@Module({
  imports: [BackendSnapshotModule],
  controllers: [MetricsController],
  providers: [MetricsService, alertingMetricsProvider(MetricsService)],
})
export class MetricsModule {}
