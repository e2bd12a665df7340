import { Processor } from '@nestjs/bullmq';
import { hostname } from 'node:os';
import { JobRegistry } from '../queue/job-registry';
import { JobName, QueueName } from '../queue/jobs';
import { RegisteredProcessor } from '../queue/registered-processor';
import { AlertEvaluationService, EvaluationOutcome } from './alert-evaluation.service';
import { AlertPrune, AlertRetentionService } from './alert-retention.service';
import { DeploymentEventsService, OutboxOutcome } from './deployment-events.service';

/** The evaluation, the outbox and the retention: one of each at a time is the most there is. */
export const ALERTING_WORKER_CONCURRENCY = 4;

/**
 * The alerting queue: the recurring rule evaluation, deployment-events outbox and retention.
 * Notifications have their own queue (DeliveriesProcessor).
 */
@Processor(QueueName.ALERTING, {
  concurrency: ALERTING_WORKER_CONCURRENCY,
  name: `${hostname()}:${process.pid}`,
})
export class AlertingProcessor extends RegisteredProcessor {
  constructor(
    registry: JobRegistry,
    evaluation: AlertEvaluationService,
    outbox: DeploymentEventsService,
    retention: AlertRetentionService,
  ) {
    super(registry, QueueName.ALERTING);
    registry.register(AlertingProcessor.name, QueueName.ALERTING, {
      [JobName.EVALUATE_ALERTS]: (): Promise<EvaluationOutcome> => evaluation.evaluateDue(),
      [JobName.RUN_ALERT_OUTBOX]: (): Promise<OutboxOutcome> => outbox.run(),
      [JobName.PRUNE_ALERTS]: (): Promise<AlertPrune | null> => retention.pruneIfDue(),
    });
  }
}
