import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-responses';
import { Audit, AuditContext } from '../common/audit-context';
import { Caller, CallerKey } from '../common/caller-key.decorator';
import { ApiIdempotencyKey } from '../common/idempotency.decorator';
import { DeploymentIdParam } from '../common/id-param.dto';
import { PageQuery, TOTAL_COUNT_HEADER } from '../common/page.dto';
import { AlertingService } from './alerting.service';
import {
  AlertRuleParams,
  AlertRuleResponse,
  CreateAlertRuleDto,
  UpdateAlertRuleDto,
} from './dto/alert-rule.dto';
import { AlertResponse, DeploymentAlertsQuery, FleetAlertsQuery } from './dto/alert.dto';
import {
  DeliveryParams,
  DeliveryResponse,
  ListDeliveriesQuery,
  RedeliverResponse,
} from './dto/delivery.dto';
import { CreateReceiverDto, ReceiverIdParam, ReceiverResponse } from './dto/receiver.dto';
import {
  CreateSilenceDto,
  ListSilencesQuery,
  SilenceIdParam,
  SilenceResponse,
} from './dto/silence.dto';

@ApiTags('alerting')
@Controller('receivers')
export class ReceiversController {
  constructor(private readonly alerting: AlertingService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create a notification receiver',
    description:
      'webhook: POST url with the Alertmanager webhook payload (version 4) and X-Netorch-Delivery, X-Netorch-Timestamp and, with a secret, X-Netorch-Signature headers. alertmanager: POST {url}/api/v2/alerts. The secret is write-only.',
  })
  @ApiIdempotencyKey()
  @ApiResponse({ status: 201, type: ReceiverResponse })
  @ApiStandardErrors('400')
  async create(@Body() dto: CreateReceiverDto): Promise<ReceiverResponse> {
    return ReceiverResponse.from(await this.alerting.createReceiver(dto));
  }

  @Get()
  @ApiOperation({
    summary: 'List receivers',
    description:
      'By id, `skip`/`limit` (default all, at most 1000); X-Total-Count says how many there are. An `ro` key sees each URL with its path and query replaced by `…`',
  })
  @ApiStandardErrors()
  @ApiResponse({
    status: 200,
    type: [ReceiverResponse],
    headers: { 'X-Total-Count': { description: 'receivers in all', schema: { type: 'integer' } } },
  })
  async list(
    @Query() q: PageQuery,
    @Caller() caller: CallerKey,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReceiverResponse[]> {
    const { rows, total } = await this.alerting.listReceivers(q.skip, q.limit);
    void reply.header(TOTAL_COUNT_HEADER, String(total));
    return rows.map((r) => ReceiverResponse.from(r, caller));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One receiver' })
  @ApiResponse({ status: 200, type: ReceiverResponse })
  @ApiStandardErrors('404')
  async get(
    @Param() { id }: ReceiverIdParam,
    @Caller() caller: CallerKey,
  ): Promise<ReceiverResponse> {
    return ReceiverResponse.from(await this.alerting.receiver(id), caller);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a receiver (its rules stop notifying it; deliveries go too)' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiStandardErrors('404')
  async delete(@Param() { id }: ReceiverIdParam): Promise<void> {
    await this.alerting.deleteReceiver(id);
  }

  @Get(':id/deliveries')
  @ApiOperation({
    summary: "The receiver's notifications, newest first, each with every attempt",
  })
  @ApiResponse({ status: 200, type: [DeliveryResponse] })
  @ApiStandardErrors('404')
  async deliveries(
    @Param() { id }: ReceiverIdParam,
    @Query() q: ListDeliveriesQuery,
    @Caller() caller: CallerKey,
  ): Promise<DeliveryResponse[]> {
    const rows = await this.alerting.deliveries(id, q.status, q.limit);
    return rows.map((d) => DeliveryResponse.from(d, caller));
  }

  @Post(':id/deliveries/:delivery_id/redeliver')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send one notification again (same body and X-Netorch-Delivery, new timestamp)',
  })
  @ApiIdempotencyKey()
  @ApiResponse({ status: 202, type: RedeliverResponse })
  @ApiStandardErrors('404')
  async redeliver(@Param() p: DeliveryParams): Promise<RedeliverResponse> {
    await this.alerting.redeliver(p.id, p.delivery_id);
    return { delivery_id: p.delivery_id, status: 'pending' };
  }
}

@ApiTags('alerting')
@Controller('deployments/:id')
export class AlertRulesController {
  constructor(private readonly alerting: AlertingService) {}

  @Post('alert-rules')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create an alert rule',
    description:
      'Evaluated by the workers every ALERT_EVAL_INTERVAL_MS with the bottleneck detector (same numbers as GET .../bottlenecks for the same window). A flagged node is pending, firing after for_seconds, resolved keep_firing_for_seconds after it stops being flagged.',
  })
  @ApiIdempotencyKey()
  @ApiResponse({ status: 201, type: AlertRuleResponse })
  @ApiStandardErrors('400', '404')
  async create(
    @Param() { id }: DeploymentIdParam,
    @Body() dto: CreateAlertRuleDto,
  ): Promise<AlertRuleResponse> {
    return AlertRuleResponse.from(await this.alerting.createRule(id, dto));
  }

  @Get('alert-rules')
  @ApiOperation({ summary: "The deployment's alert rules" })
  @ApiResponse({ status: 200, type: [AlertRuleResponse] })
  @ApiStandardErrors('404')
  async list(@Param() { id }: DeploymentIdParam): Promise<AlertRuleResponse[]> {
    return (await this.alerting.listRules(id)).map((r) => AlertRuleResponse.from(r));
  }

  @Get('alert-rules/:rule_id')
  @ApiOperation({ summary: 'One alert rule' })
  @ApiResponse({ status: 200, type: AlertRuleResponse })
  @ApiStandardErrors('404')
  async get(@Param() p: AlertRuleParams): Promise<AlertRuleResponse> {
    return AlertRuleResponse.from(await this.alerting.rule(p.id, p.rule_id));
  }

  @Patch('alert-rules/:rule_id')
  @ApiOperation({ summary: 'Change an alert rule (receiver_ids replaces the list)' })
  @ApiResponse({ status: 200, type: AlertRuleResponse })
  @ApiStandardErrors('400', '404')
  async update(
    @Param() p: AlertRuleParams,
    @Body() dto: UpdateAlertRuleDto,
  ): Promise<AlertRuleResponse> {
    return AlertRuleResponse.from(await this.alerting.updateRule(p.id, p.rule_id, dto));
  }

  @Delete('alert-rules/:rule_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an alert rule; its firing alerts resolve and notify' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiStandardErrors('404')
  async delete(@Param() p: AlertRuleParams, @Audit() audit: AuditContext): Promise<void> {
    await this.alerting.deleteRule(p.id, p.rule_id, audit);
  }

  @Get('alerts')
  @ApiOperation({ summary: "The deployment's alerts, newest first" })
  @ApiResponse({ status: 200, type: [AlertResponse] })
  @ApiStandardErrors('404')
  async alerts(
    @Param() { id }: DeploymentIdParam,
    @Query() q: DeploymentAlertsQuery,
  ): Promise<AlertResponse[]> {
    const rows = await this.alerting.deploymentAlerts(id, q.state, q.limit);
    return rows.map((a) => AlertResponse.from(a));
  }
}

@ApiTags('alerting')
@Controller()
export class AlertsController {
  constructor(private readonly alerting: AlertingService) {}

  @Get('alerts')
  @ApiOperation({ summary: 'Alerts of every deployment, newest first' })
  @ApiResponse({ status: 200, type: [AlertResponse] })
  @ApiStandardErrors()
  async alerts(@Query() q: FleetAlertsQuery): Promise<AlertResponse[]> {
    const rows = await this.alerting.fleetAlerts({
      deploymentId: q.deployment_id,
      state: q.state,
      limit: q.limit,
    });
    return rows.map((a) => AlertResponse.from(a));
  }

  @Post('silences')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Silence notifications until ends_at',
    description:
      'Notifications of matching alerts (the deployment, and the node and/or rule when given) are not sent while it lasts; the alerts are still tracked and show silenced: true.',
  })
  @ApiIdempotencyKey()
  @ApiResponse({ status: 201, type: SilenceResponse })
  @ApiStandardErrors('400', '404')
  async silence(
    @Body() dto: CreateSilenceDto,
    @Audit() audit: AuditContext,
  ): Promise<SilenceResponse> {
    return SilenceResponse.from(await this.alerting.createSilence(dto, audit));
  }

  @Get('silences')
  @ApiOperation({ summary: 'Silences, active and ended' })
  @ApiResponse({ status: 200, type: [SilenceResponse] })
  @ApiStandardErrors()
  async silences(@Query() q: ListSilencesQuery): Promise<SilenceResponse[]> {
    return (await this.alerting.listSilences(q.deployment_id)).map((s) => SilenceResponse.from(s));
  }

  @Delete('silences/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'End a silence' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiStandardErrors('404')
  async deleteSilence(@Param() { id }: SilenceIdParam): Promise<void> {
    await this.alerting.deleteSilence(id);
  }
}
