import { Module, OnModuleInit } from '@nestjs/common';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { LIFECYCLE_HANDLERS } from './lifecycle/lifecycle.processor';
import { LifecycleWorkerModule } from './lifecycle/lifecycle-worker.module';
import { checkJobHandlers } from './queue/job-handlers';
import { QueueModule } from './queue/queue.module';
import { MAINTENANCE_HANDLERS } from './telemetry/partition-maintenance.processor';
import { TELEMETRY_HANDLERS } from './telemetry/telemetry.processor';
import { TelemetryWorkerModule } from './telemetry/telemetry-worker.module';

/** The worker role: the same feature modules plus the BullMQ processors; no HTTP. */
@Module({
  imports: [
    ConfigModule,
    DatabaseModule,
    QueueModule,
    LifecycleWorkerModule,
    TelemetryWorkerModule,
  ],
})
export class WorkerModule implements OnModuleInit {
  /** Refuse to start with a job that no processor (or two) would take. */
  onModuleInit(): void {
    checkJobHandlers([LIFECYCLE_HANDLERS, TELEMETRY_HANDLERS, MAINTENANCE_HANDLERS]);
  }
}
