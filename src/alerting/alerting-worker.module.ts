import { Module } from '@nestjs/common';
import { AnalyticsModule } from '../analytics/analytics.module';
import { AlertEvaluationService } from './alert-evaluation.service';
import { AlertNotifier } from './alert-notifier.service';
import { AlertRetentionService } from './alert-retention.service';
import { DeploymentEventsService } from './deployment-events.service';
import { AlertingProcessor } from './alerting.processor';
import { DeliveriesProcessor } from './deliveries.processor';
import { AlertingStoreModule } from './alerting-store.module';
import { NotificationDeliveryService } from './notification-delivery.service';

/** The worker side of alerting: the recurring evaluation and the delivery jobs. */
@Module({
  imports: [AnalyticsModule, AlertingStoreModule],
  providers: [
    AlertNotifier,
    AlertEvaluationService,
    DeploymentEventsService,
    AlertRetentionService,
    NotificationDeliveryService,
    AlertingProcessor,
    DeliveriesProcessor,
  ],
})
export class AlertingWorkerModule {}
