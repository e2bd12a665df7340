import { Module } from '@nestjs/common';
import { AlertingModule } from './alerting/alerting.module';
import { AnalyticsModule } from './analytics/analytics.module';
import { IdempotencyModule } from './common/idempotency.module';
import { ConfigModule } from './config/config.module';
import { CredentialsModule } from './credentials/credentials.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { DatabaseModule } from './database/database.module';
import { DeploymentsModule } from './deployments/deployments.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { NodesModule } from './nodes/nodes.module';
import { QueueModule } from './queue/queue.module';
import { RolloutsModule } from './rollouts/rollouts.module';
import { SecretsModule } from './secrets/secrets.module';
import { StoreModule } from './store/store.module';
import { TelemetryModule } from './telemetry/telemetry.module';

/** The HTTP role: controllers and services; enqueues jobs, never processes them. */
@Module({
  imports: [
    ConfigModule,
    DatabaseModule,
    StoreModule,
    SecretsModule,
    QueueModule,
    DeploymentsModule,
    NodesModule,
    RolloutsModule,
    TelemetryModule,
    AnalyticsModule,
    HealthModule,
    EventsModule,
    IdempotencyModule,
    MetricsModule,
    DashboardModule,
    AlertingModule,
    CredentialsModule,
  ],
})
export class AppModule {}
