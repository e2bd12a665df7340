import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsNumber, IsOptional, Matches, Max, Min } from 'class-validator';
import { IsIntegerId, IsIntIn } from '../../common/id-param.dto';
import { NODE_ROLES, NodeRole } from '../../domain/node-role';
import { Metric, METRICS } from '../../domain/telemetry-metrics';
import { ListDeploymentsQuery } from '../../deployments/dto/list-deployments.query';
import { METRIC_PAIRS } from '../moment-sql';

/** Paging (skip, limit) as every list of the API has it. */
class PageQuery extends ListDeploymentsQuery {}

export class TrendsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: METRICS, default: 'latency_ms' })
  @IsOptional()
  @IsIn(METRICS)
  metric: Metric = 'latency_ms';

  @ApiPropertyOptional({
    default: 60,
    minimum: 5,
    maximum: 1440,
    description: 'Fit over the last this many minutes',
  })
  @IsOptional()
  @IsIntIn(5, 1440)
  window_minutes = 60;

  @ApiPropertyOptional({
    default: 60,
    minimum: 1,
    maximum: 10080,
    description: 'Predict this many minutes ahead',
  })
  @IsOptional()
  @IsIntIn(1, 10080)
  horizon_minutes = 60;

  @ApiPropertyOptional({
    description:
      'A value of the metric: each node gets the minutes until its fitted line reaches it',
    example: 50,
  })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  threshold?: number;

  @ApiPropertyOptional({ enum: NODE_ROLES, description: 'Only nodes of this role' })
  @IsOptional()
  @IsIn(NODE_ROLES)
  role?: NodeRole;

  @ApiPropertyOptional({ description: 'Only this node (its id)', minimum: 1 })
  @IsOptional()
  @IsIntegerId()
  node_id?: number;
}

export class AnomaliesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: METRICS, default: 'latency_ms' })
  @IsOptional()
  @IsIn(METRICS)
  metric: Metric = 'latency_ms';

  @ApiPropertyOptional({
    default: 15,
    minimum: 1,
    maximum: 1440,
    description: 'The window ending now, and the same window on each past day',
  })
  @IsOptional()
  @IsIntIn(1, 1440)
  window_minutes = 15;

  @ApiPropertyOptional({
    default: 7,
    minimum: 3,
    maximum: 28,
    description: 'How many past days make the baseline',
  })
  @IsOptional()
  @IsIntIn(3, 28)
  baseline_days = 7;

  @ApiPropertyOptional({
    default: 3,
    minimum: 0.5,
    maximum: 100,
    description: 'A node is anomalous when |z| reaches this',
  })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.5)
  @Max(100)
  threshold = 3;
}

const PAIR_NAMES = METRIC_PAIRS.flatMap(([a, b]) => [`${a}:${b}`, `${b}:${a}`]);

export class CorrelationsQuery extends PageQuery {
  @ApiPropertyOptional({ default: 60, minimum: 5, maximum: 1440 })
  @IsOptional()
  @IsIntIn(5, 1440)
  window_minutes = 60;

  @ApiPropertyOptional({
    enum: PAIR_NAMES,
    default: 'latency_ms:error_rate',
    description: 'Two metrics, a:b',
  })
  @IsOptional()
  @Matches(new RegExp(`^(${PAIR_NAMES.join('|')})$`), {
    message: `pair must be one of ${PAIR_NAMES.join(', ')}`,
  })
  pair = 'latency_ms:error_rate';
}

export class NodeCorrelationsQuery {
  @ApiPropertyOptional({ default: 60, minimum: 5, maximum: 1440 })
  @IsOptional()
  @IsIntIn(5, 1440)
  window_minutes = 60;
}
