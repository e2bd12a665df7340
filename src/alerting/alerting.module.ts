import { Module } from '@nestjs/common';
import { AlertNotifier } from './alert-notifier.service';
import { AlertRulesController, AlertsController, ReceiversController } from './alerting.controller';
import { AlertingService } from './alerting.service';
import { AlertingStoreModule } from './alerting-store.module';

/** The API side of alerting: receivers, rules, alerts, silences and deliveries. */
@Module({
  imports: [AlertingStoreModule],
  controllers: [ReceiversController, AlertRulesController, AlertsController],
  providers: [AlertingService, AlertNotifier],
  exports: [AlertNotifier],
})
export class AlertingModule {}
