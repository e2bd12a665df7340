import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsIntegerId, IsIntIn } from '../../common/id-param.dto';
import { IsIsoDateTime } from '../../common/is-iso-date-time.decorator';

export class QueryTelemetryQuery {
  @ApiPropertyOptional({
    description: "Only this node's samples (the node's integer id)",
    example: 17,
  })
  @IsOptional()
  @IsIntegerId()
  node_id?: number;

  @ApiPropertyOptional({
    description: 'ISO 8601, inclusive; any offset is honoured',
    example: '2026-11-27T10:00:00Z',
  })
  @IsOptional()
  @IsIsoDateTime()
  start_time?: string;

  @ApiPropertyOptional({
    description: 'ISO 8601, inclusive; any offset is honoured',
    example: '2026-11-27T11:00:00+01:00',
  })
  @IsOptional()
  @IsIsoDateTime()
  end_time?: string;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000, example: 100 })
  @IsOptional()
  @IsIntIn(1, 1000)
  limit = 100;
}
