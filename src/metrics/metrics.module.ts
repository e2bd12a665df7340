import { Module } from '@nestjs/common';
import { alertingMetricsProvider } from '../alerting/alerting.metrics';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** GET /metrics: process, HTTP, fleet and queue metrics in Prometheus text format. */
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, alertingMetricsProvider(MetricsService)],
})
export class MetricsModule {}
