import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsIntegerId, MAX_INT32 } from '../../common/id-param.dto';
import { iso } from '../../common/iso-date';
import { PEER_GROUPS, PeerGroup } from '../../analytics/dto/bottlenecks.query';
import type { RuleRow } from '../alert-rules.repository';

export const RULE_METHODS = ['zscore', 'mad', 'absent'] as const;
export const MAX_FOR_SECONDS = 7 * 86_400;

export class CreateAlertRuleDto {
  @ApiProperty({ example: 'slow-switch', minLength: 1, maxLength: 100 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiPropertyOptional({
    enum: RULE_METHODS,
    default: 'zscore',
    description:
      'zscore or mad: a bottleneck of GET .../bottlenecks; absent: a RUNNING node with no sample in the window (threshold and min_samples unused)',
  })
  @IsOptional()
  @IsIn(RULE_METHODS)
  method?: (typeof RULE_METHODS)[number];

  @ApiPropertyOptional({ default: 2, minimum: 0.5, maximum: 10, example: 3 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.5)
  @Max(10)
  threshold?: number;

  @ApiPropertyOptional({ default: 10, minimum: 1, maximum: 60, example: 5 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(60)
  window_minutes?: number;

  @ApiPropertyOptional({
    default: 60,
    minimum: 0,
    maximum: MAX_FOR_SECONDS,
    description: 'How long a node must keep meeting the rule before its alert fires',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_FOR_SECONDS)
  for_seconds?: number;

  @ApiPropertyOptional({
    default: 0,
    minimum: 0,
    maximum: MAX_FOR_SECONDS,
    description: 'How long a firing alert stays firing after the node stops meeting the rule',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_FOR_SECONDS)
  keep_firing_for_seconds?: number;

  @ApiPropertyOptional({ default: 1, minimum: 1, maximum: 1_000_000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  min_samples?: number;

  @ApiPropertyOptional({
    enum: PEER_GROUPS,
    default: 'role',
    description:
      'As GET /deployments/{id}/bottlenecks: role compares each node with the nodes of its own role (spines with spines, leaves with leaves), deployment with every node of the deployment',
  })
  @IsOptional()
  @IsIn(PEER_GROUPS)
  peer_group?: PeerGroup;

  @ApiPropertyOptional({ type: [Number], example: [1], description: 'Receivers to notify' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(MAX_INT32, { each: true })
  receiver_ids?: number[];

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateAlertRuleDto extends PartialType(CreateAlertRuleDto) {}

export class AlertRuleParams {
  @ApiProperty({ description: 'Deployment id', example: 1, minimum: 1 })
  @IsIntegerId()
  id: number;

  @ApiProperty({ description: 'Alert rule id', example: 1, minimum: 1 })
  @IsIntegerId()
  rule_id: number;
}

export class AlertRuleResponse {
  @ApiProperty({ example: 1 }) id: number;
  @ApiProperty({ example: 1 }) deployment_id: number;
  @ApiProperty({ example: 'slow-switch' }) name: string;
  @ApiProperty({ enum: RULE_METHODS }) method: string;
  @ApiProperty({ example: 3 }) threshold: number;
  @ApiProperty({ example: 5 }) window_minutes: number;
  @ApiProperty({ example: 60 }) for_seconds: number;
  @ApiProperty({ example: 0 }) keep_firing_for_seconds: number;
  @ApiProperty({ example: 1 }) min_samples: number;
  @ApiProperty({ enum: PEER_GROUPS }) peer_group: string;
  @ApiProperty({ example: [1], type: [Number] }) receiver_ids: number[];
  @ApiProperty({ example: true }) enabled: boolean;
  @ApiProperty({ example: '2026-11-27T10:00:00.000Z', nullable: true, type: String })
  evaluated_at: string | null;
  @ApiProperty({ example: '2026-11-27T10:00:00.000Z' }) created_at: string;
  @ApiProperty({ example: '2026-11-27T10:00:00.000Z' }) updated_at: string;

  static from(r: RuleRow): AlertRuleResponse {
    return {
      id: r.id,
      deployment_id: r.deployment_id,
      name: r.name,
      method: r.method,
      threshold: r.threshold,
      window_minutes: r.window_minutes,
      for_seconds: r.for_seconds,
      keep_firing_for_seconds: r.keep_firing_for_seconds,
      min_samples: r.min_samples,
      peer_group: r.peer_group,
      receiver_ids: r.receiver_ids,
      enabled: r.enabled,
      evaluated_at: iso(r.evaluated_at),
      created_at: iso(r.created_at)!,
      updated_at: iso(r.updated_at)!,
    };
  }
}
