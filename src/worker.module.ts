import { Module, OnModuleInit } from '@nestjs/common';
import { AlertingWorkerModule } from './alerting/alerting-worker.module';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { LifecycleWorkerModule } from './lifecycle/lifecycle-worker.module';
import { JobRegistry } from './queue/job-registry';
import { QueueModule } from './queue/queue.module';
import { RolloutsWorkerModule } from './rollouts/rollouts-worker.module';
import { SecretsModule } from './secrets/secrets.module';
import { StoreModule } from './store/store.module';
import { TelemetryWorkerModule } from './telemetry/telemetry-worker.module';

/** The worker role: the same feature modules plus the BullMQ processors; no HTTP. */
@Module({
  imports: [
    ConfigModule,
    DatabaseModule,
    StoreModule,
    SecretsModule,
    QueueModule,
    LifecycleWorkerModule,
    TelemetryWorkerModule,
    RolloutsWorkerModule,
    AlertingWorkerModule,
  ],
})
export class WorkerModule implements OnModuleInit {
  constructor(private readonly registry: JobRegistry) {}

  /** Refuse to start with a job that no processor (or two) would take. */
  onModuleInit(): void {
    this.registry.verify();
  }
}
