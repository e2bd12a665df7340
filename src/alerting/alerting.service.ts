import { Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditContext } from '../common/audit-context';
import { FeatureConfig } from '../config/config-slices';
import { InjectConfig } from '../config/config.module';
import { DeploymentsRepository } from '../store/deployments.repository';
import { AlertDeliveriesRepository, DeliveryRow } from './alert-deliveries.repository';
import { AlertReceiversRepository, ReceiverRow } from './alert-receivers.repository';
import { AlertRulesRepository, RuleFields, RuleRow } from './alert-rules.repository';
import { AlertSilencesRepository, SilenceRow } from './alert-silences.repository';
import { AlertRow, AlertsRepository } from './alerts.repository';
import { endAlert } from './alert-state';
import { AlertNotifier, timingOf } from './alert-notifier.service';
import { CreateAlertRuleDto, UpdateAlertRuleDto } from './dto/alert-rule.dto';
import { CreateReceiverDto } from './dto/receiver.dto';
import { CreateSilenceDto } from './dto/silence.dto';
import { outboundPolicy, outboundUrlCheck } from '../common/outbound-address';
import { assertBelowQuota } from '../common/quota';
import { parseIsoDate } from '../common/iso-date';
import { RECEIVER_SECRET_CONTEXT } from '../secrets/receiver-secrets';
import { SecretBox } from '../secrets/secret-box';

const RULE_DEFAULTS: Omit<RuleFields, 'name'> = {
  method: 'zscore',
  threshold: 2,
  window_minutes: 10,
  for_seconds: 60,
  keep_firing_for_seconds: 0,
  min_samples: 1,
  // As GET /deployments/{id}/bottlenecks: each node against the nodes of its own role.
  peer_group: 'role',
  enabled: true,
};

/**
 * The API side of alerting: receivers, rules, silences, and reads of alerts and deliveries.
 * Each change is one transaction; deliveries it creates are queued after commit.
 */
@Injectable()
export class AlertingService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig('alerting') private readonly config: FeatureConfig<'alerting'>,
    private readonly receivers: AlertReceiversRepository,
    private readonly rules: AlertRulesRepository,
    private readonly alerts: AlertsRepository,
    private readonly silences: AlertSilencesRepository,
    private readonly deliveryLog: AlertDeliveriesRepository,
    private readonly deployments: DeploymentsRepository,
    private readonly notifier: AlertNotifier,
    private readonly box: SecretBox,
  ) {}

  // ---- receivers

  async createReceiver(dto: CreateReceiverDto): Promise<ReceiverRow> {
    const count = await this.receivers.countReceivers();
    assertBelowQuota(count, this.config.maxReceivers, 'MAX_RECEIVERS', 'receivers');
    const problem = await outboundUrlCheck(dto.url, outboundPolicy(this.config));
    if (problem) throw new UnprocessableEntityException(problem);
    return this.receivers.insertReceiver({
      name: dto.name,
      type: dto.type,
      url: dto.url,
      secret: dto.secret ? this.box.seal(dto.secret, RECEIVER_SECRET_CONTEXT) : null,
      events: [...new Set(dto.events ?? [])],
    });
  }

  listReceivers(skip: number, limit: number) {
    return this.receivers.listReceivers(skip, limit);
  }

  async receiver(id: number): Promise<ReceiverRow> {
    const row = await this.receivers.findReceiver(id);
    if (!row) throw new NotFoundException('Receiver not found');
    return row;
  }

  async deleteReceiver(id: number): Promise<void> {
    if (!(await this.receivers.deleteReceiver(id)))
      throw new NotFoundException('Receiver not found');
  }

  async deliveries(receiverId: number, status: string | undefined, limit: number) {
    await this.receiver(receiverId);
    return this.deliveryLog.listDeliveries(receiverId, status, limit);
  }

  async redeliver(receiverId: number, deliveryId: string): Promise<Pick<DeliveryRow, 'id'>> {
    const suffix = `-r${Date.now()}`;
    if (!(await this.deliveryLog.markForRedelivery(receiverId, deliveryId, deliveryId + suffix))) {
      throw new NotFoundException('Delivery not found');
    }
    await this.notifier.enqueue([deliveryId], suffix);
    return { id: deliveryId };
  }

  // ---- rules

  private async assertDeployment(id: number): Promise<void> {
    if (!(await this.deployments.exists(id))) throw new NotFoundException('Deployment not found');
  }

  private async setReceivers(m: DataSource['manager'], ruleId: number, ids: number[]) {
    const wanted = [...new Set(ids)];
    const found = new Set(await this.receivers.lockReceivers(m, wanted));
    const unknown = wanted.filter((id) => !found.has(id));
    if (unknown.length > 0) {
      throw new UnprocessableEntityException(
        `receiver_ids: unknown receiver${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`,
      );
    }
    await this.rules.setRuleReceivers(m, ruleId, wanted);
  }

  async createRule(deploymentId: number, dto: CreateAlertRuleDto): Promise<RuleRow> {
    refuseNulls(dto);
    await this.assertDeployment(deploymentId);
    assertBelowQuota(
      (await this.rules.listRules(deploymentId)).length,
      this.config.maxAlertRulesPerDeployment,
      'MAX_ALERT_RULES_PER_DEPLOYMENT',
      `alert rules of deployment ${deploymentId}`,
    );
    const { receiver_ids, ...fields } = dto;
    const id = await this.dataSource.transaction(async (m) => {
      const ruleId = await this.rules.insertRule(m, deploymentId, {
        ...RULE_DEFAULTS,
        ...stripUndefined(fields),
      } as RuleFields);
      await this.setReceivers(m, ruleId, receiver_ids ?? []);
      return ruleId;
    });
    return (await this.rules.findRule(deploymentId, id))!;
  }

  async listRules(deploymentId: number): Promise<RuleRow[]> {
    await this.assertDeployment(deploymentId);
    return this.rules.listRules(deploymentId);
  }

  async rule(deploymentId: number, ruleId: number): Promise<RuleRow> {
    const rule = await this.rules.findRule(deploymentId, ruleId);
    if (!rule) throw new NotFoundException('Alert rule not found');
    return rule;
  }

  async updateRule(
    deploymentId: number,
    ruleId: number,
    dto: UpdateAlertRuleDto,
  ): Promise<RuleRow> {
    refuseNulls(dto);
    const { receiver_ids, ...fields } = dto;
    await this.dataSource.transaction(async (m) => {
      const rule = await this.rules.findRule(deploymentId, ruleId, m);
      if (!rule) throw new NotFoundException('Alert rule not found');
      await this.rules.updateRule(m, ruleId, { ...rule, ...stripUndefined(fields) });
      if (receiver_ids !== undefined) await this.setReceivers(m, ruleId, receiver_ids);
    });
    return this.rule(deploymentId, ruleId);
  }

  /** Deletes the rule; its firing alerts resolve (and notify) in the same transaction. */
  async deleteRule(deploymentId: number, ruleId: number, audit: AuditContext): Promise<void> {
    void audit;
    const toSend = await this.dataSource.transaction(async (m) => {
      const rule = await this.rules.findRule(deploymentId, ruleId, m);
      if (!rule) throw new NotFoundException('Alert rule not found');
      const deployment = await this.deployments.find(deploymentId, m);
      const receivers = await this.receivers.ruleReceivers(m, ruleId);
      const now = new Date();
      const ids = await this.notifier.writeSteps(
        m,
        { rule, deploymentName: deployment?.name ?? String(deploymentId), receivers },
        (await this.alerts.openAlerts(m, ruleId)).map((prev) => ({
          nodeId: prev.node_id,
          prev,
          step: endAlert(timingOf(prev), now),
          seen: null,
        })),
      );
      await this.rules.deleteRule(m, ruleId);
      return ids;
    });
    await this.notifier.enqueue(toSend);
  }

  // ---- alerts

  async deploymentAlerts(deploymentId: number, state: string | undefined, limit: number) {
    await this.assertDeployment(deploymentId);
    return this.alerts.listAlerts({ deploymentId, state, limit });
  }

  fleetAlerts(q: { deploymentId?: number; state?: string; limit: number }): Promise<AlertRow[]> {
    return this.alerts.listAlerts(q);
  }

  // ---- silences

  async createSilence(dto: CreateSilenceDto, audit: AuditContext): Promise<SilenceRow> {
    const endsAt = parseIsoDate(dto.ends_at)!;
    if (endsAt.getTime() <= Date.now()) {
      throw new UnprocessableEntityException('ends_at must be in the future');
    }
    await this.assertDeployment(dto.deployment_id);
    const active = await this.silences.countActiveSilences();
    assertBelowQuota(
      active,
      this.config.maxActiveSilences,
      'MAX_ACTIVE_SILENCES',
      'active silences',
    );
    return this.silences.insertSilence({
      deployment_id: dto.deployment_id,
      node_id: dto.node_id ?? null,
      rule_id: dto.rule_id ?? null,
      ends_at: endsAt,
      comment: dto.comment,
      created_by: audit.actor,
    });
  }

  listSilences(deploymentId?: number): Promise<SilenceRow[]> {
    return this.silences.listSilences(deploymentId);
  }

  async deleteSilence(id: number): Promise<void> {
    if (!(await this.silences.deleteSilence(id))) throw new NotFoundException('Silence not found');
  }
}

/**
 * Optional rule fields may be left out, not sent as null (validation lets null through as
 * "absent", and every rule column has a value): 422 naming them.
 */
function refuseNulls(dto: object): void {
  const nulls = Object.entries(dto)
    .filter(([, v]) => v === null)
    .map(([k]) => k);
  if (nulls.length > 0) {
    throw new UnprocessableEntityException(
      `${nulls.join(', ')}: must not be null (leave ${nulls.length > 1 ? 'them' : 'it'} out instead)`,
    );
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
