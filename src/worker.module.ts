import { Module } from '@nestjs/common';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { LifecycleWorkerModule } from './lifecycle/lifecycle-worker.module';
import { QueueModule } from './queue/queue.module';
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
export class WorkerModule {}
