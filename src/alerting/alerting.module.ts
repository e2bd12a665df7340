import { Module } from '@nestjs/common';
import { AlertNotifier } from './alert-notifier.service';
import { AlertRulesController, AlertsController, ReceiversController } from './alerting.controller';
import { AlertingService } from './alerting.service';

/** The API side of alerting: receivers, rules, alerts, silences and deliveries. */
@Module({
  controllers: [ReceiversController, AlertRulesController, AlertsController],
  providers: [AlertingService, AlertNotifier],
  exports: [AlertNotifier],
})
export class AlertingModule {}
