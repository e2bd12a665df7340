import { Processor } from '@nestjs/bullmq';
import { hostname } from 'node:os';
import { JobRegistry } from '../queue/job-registry';
import { JobName, QueueName } from '../queue/jobs';
import { RegisteredProcessor } from '../queue/registered-processor';
import { deliveryBackoff } from './alert-notifier.service';
import { NotificationDeliveryService } from './notification-delivery.service';

/**
 * Deliveries wait on receivers, not on this process: many at a time per worker, each receiver
 * at most RECEIVER_MAX_IN_FLIGHT of them.
 */
export const DELIVERIES_WORKER_CONCURRENCY = 16;

/**
 * The deliveries queue: one job per notification, apart from the evaluation's queue, so
 * receivers that never answer hold no slot of the evaluation, the outbox or the retention.
 */
@Processor(QueueName.DELIVERIES, {
  concurrency: DELIVERIES_WORKER_CONCURRENCY,
  name: `${hostname()}:${process.pid}`,
  settings: { backoffStrategy: (attemptsMade: number) => deliveryBackoff(attemptsMade) },
})
export class DeliveriesProcessor extends RegisteredProcessor {
  constructor(registry: JobRegistry, delivery: NotificationDeliveryService) {
    super(registry, QueueName.DELIVERIES);
    registry.register(DeliveriesProcessor.name, QueueName.DELIVERIES, {
      [JobName.DELIVER_NOTIFICATION]: ({ deliveryId }, job) => delivery.deliver(deliveryId, job),
    });
  }
}
