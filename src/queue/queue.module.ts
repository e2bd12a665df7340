import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { configToken, FeatureConfig } from '../config/config-slices';
import { activeTracing } from '../observability/tracing';
import { JobEnqueueService } from './job-enqueue.service';
import { JobRegistry } from './job-registry';
import { RecurringJobsService } from './recurring-jobs.service';
import { QueueName } from './jobs';
import { redisOptions } from './redis-connection';

const queues = Object.values(QueueName).map((name) => BullModule.registerQueue({ name }));

/** BullMQ connection, every queue, the one service that adds jobs and the job registry. */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [configToken('queue')],
      useFactory: (config: FeatureConfig<'queue'>) => ({
        connection: redisOptions(config.redisUrl),
        prefix: config.queuePrefix,
        // With tracing on, every add and job attempt is a span and the job carries the context.
        telemetry: activeTracing()?.queueTelemetry,
      }),
    }),
    ...queues,
  ],
  providers: [
    JobEnqueueService,
    { provide: JobRegistry, useValue: new JobRegistry() },
    RecurringJobsService,
  ],
  exports: [JobEnqueueService, JobRegistry, RecurringJobsService, ...queues],
})
export class QueueModule {}
