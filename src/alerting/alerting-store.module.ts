import { Global, Module } from '@nestjs/common';
import { AlertDeliveriesRepository } from './alert-deliveries.repository';
import { AlertOutboxRepository } from './alert-outbox.repository';
import { AlertReceiversRepository } from './alert-receivers.repository';
import { AlertRulesRepository } from './alert-rules.repository';
import { AlertSilencesRepository } from './alert-silences.repository';
import { AlertsRepository } from './alerts.repository';

const REPOSITORIES = [
  AlertReceiversRepository,
  AlertRulesRepository,
  AlertsRepository,
  AlertSilencesRepository,
  AlertDeliveriesRepository,
  AlertOutboxRepository,
];

/**
 * The owners of alerting's tables, one repository per table family, imported by the API and
 * the worker side of alerting. Global, as the metrics scrape reads alerting's figures too.
 */
@Global()
@Module({ providers: REPOSITORIES, exports: REPOSITORIES })
export class AlertingStoreModule {}
