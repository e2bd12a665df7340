import { Processor } from '@nestjs/bullmq';
import { hostname } from 'node:os';
import { JobRegistry } from '../queue/job-registry';
import { JobName, QueueName } from '../queue/jobs';
import { RegisteredProcessor } from '../queue/registered-processor';
import { deliveryBackoff } from './alert-notifier.service';
import { AlertEvaluationService, EvaluationOutcome } from './alert-evaluation.service';
import { AlertPrune, AlertRetentionService } from './alert-retention.service';
import { DeploymentEventsService, OutboxOutcome } from './deployment-events.service';
import { NotificationDeliveryService } from './notification-delivery.service';

/** Deliveries wait on receivers, not on this process: several at a time per worker. */
export const ALERTING_WORKER_CONCURRENCY = 8;

/**
 * The alerting queue: the recurring rule evaluation, deployment-events outbox and retention,
 * and one job per notification.
 */
@Processor(QueueName.ALERTING, {
  concurrency: ALERTING_WORKER_CONCURRENCY,
  name: `${hostname()}:${process.pid}`,
  settings: { backoffStrategy: (attemptsMade: number) => deliveryBackoff(attemptsMade) },
})
export class AlertingProcessor extends RegisteredProcessor {
  constructor(
    registry: JobRegistry,
    evaluation: AlertEvaluationService,
    outbox: DeploymentEventsService,
    retention: AlertRetentionService,
    delivery: NotificationDeliveryService,
  ) {
    super(registry, QueueName.ALERTING);
    registry.register(AlertingProcessor.name, QueueName.ALERTING, {
      [JobName.EVALUATE_ALERTS]: (): Promise<EvaluationOutcome> => evaluation.evaluateDue(),
      [JobName.RUN_ALERT_OUTBOX]: (): Promise<OutboxOutcome> => outbox.run(),
      [JobName.PRUNE_ALERTS]: (): Promise<AlertPrune | null> => retention.pruneIfDue(),
      [JobName.DELIVER_NOTIFICATION]: ({ deliveryId }, job) => delivery.deliver(deliveryId, job),
    });
  }
}
