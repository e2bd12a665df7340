import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JobEnqueueService } from './job-enqueue.service';
import { RecurringJobsService } from './recurring-jobs.service';
import { QueueName } from './jobs';
import { redisOptions } from './redis-connection';

const queues = Object.values(QueueName).map((name) => BullModule.registerQueue({ name }));

/** BullMQ connection, every queue and the one service that adds jobs. */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        connection: redisOptions(config.redisUrl),
        prefix: config.queuePrefix,
      }),
    }),
    ...queues,
  ],
  providers: [JobEnqueueService, RecurringJobsService],
  exports: [JobEnqueueService, RecurringJobsService, ...queues],
})
export class QueueModule {}
