import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsIntegerId, IsIntIn } from '../../common/id-param.dto';
import { iso } from '../../common/iso-date';
import type { AlertRow } from '../alerts.repository';
import { ALERT_STATES } from '../alert-state';

export class DeploymentAlertsQuery {
  @ApiPropertyOptional({ enum: ALERT_STATES, description: 'Only alerts in this state' })
  @IsOptional()
  @IsIn(ALERT_STATES)
  state?: string;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @IsIntIn(1, 1000)
  limit = 100;
}

export class FleetAlertsQuery extends DeploymentAlertsQuery {
  @ApiPropertyOptional({ description: 'Only alerts of this deployment', example: 1 })
  @IsOptional()
  @IsIntegerId()
  deployment_id?: number;
}

class AlertMetricResponse {
  @ApiProperty({ example: 42.5 }) value: number;
  @ApiProperty({ example: 10.1 }) baseline: number;
  @ApiProperty({ example: 4.2 }) z: number;
  @ApiProperty({ example: true }) triggered: boolean;
}

// metrics refers to AlertMetricResponse by $ref only: register it so the document defines it.
@ApiExtraModels(AlertMetricResponse)
export class AlertResponse {
  @ApiProperty({ example: 1 }) id: number;
  @ApiProperty({ example: '3f1c9a0b7d2e4f18', description: 'Stable per (rule, node)' })
  fingerprint: string;
  @ApiProperty({ enum: ALERT_STATES }) state: string;
  @ApiProperty({ description: 'A silence covers it now: tracked, not notified' })
  silenced: boolean;
  @ApiProperty({ example: 1 }) rule_id: number;
  @ApiProperty({ example: 'slow-switch' }) rule_name: string;
  @ApiProperty({ example: 1 }) deployment_id: number;
  @ApiProperty({ example: 17 }) node_id: number;
  @ApiProperty({ example: 'node-017' }) node_identifier: string;
  @ApiProperty({ example: '2026-11-27T10:00:00.000Z', description: 'Met the rule since' })
  active_since: string;
  @ApiProperty({ example: '2026-11-27T10:01:00.000Z', nullable: true, type: String })
  starts_at: string | null;
  @ApiProperty({ example: null, nullable: true, type: String }) ends_at: string | null;
  @ApiProperty({ example: '2026-11-27T10:05:00.000Z' }) last_breach_at: string;
  @ApiProperty({ example: 2.7, description: 'At the last breach' }) deviation_score: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/AlertMetricResponse' },
    description: 'Per metric at the last breach: value, baseline, z, triggered',
  })
  metrics: Record<string, AlertMetricResponse>;

  static from(a: AlertRow): AlertResponse {
    return {
      id: Number(a.id),
      fingerprint: a.fingerprint,
      state: a.state,
      silenced: a.silenced ?? false,
      rule_id: a.rule_id,
      rule_name: a.rule_name,
      deployment_id: a.deployment_id,
      node_id: a.node_id,
      node_identifier: a.node_identifier,
      active_since: iso(a.active_since)!,
      starts_at: iso(a.starts_at),
      ends_at: iso(a.ends_at),
      last_breach_at: iso(a.last_breach_at)!,
      deviation_score: a.deviation_score,
      metrics: a.metrics,
    };
  }
}

export { AlertMetricResponse };
