import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIntIn } from '../../common/id-param.dto';
import { IsOptional, Matches } from 'class-validator';

export class ListEventsQuery {
  @ApiPropertyOptional({ example: 'STATE_CHANGE', description: 'Only events of this type' })
  @IsOptional()
  @Matches(/^[A-Za-z_]{1,64}$/, { message: 'type must be an event type such as STATE_CHANGE' })
  type?: string;

  @ApiPropertyOptional({
    example: 'node-017',
    description: 'Only events of this node: its integer id or its name',
  })
  @IsOptional()
  @Matches(/^(\d{1,10}|node-\d{1,10})$/i, {
    message: 'node_id must be a node id such as 17 or a name such as node-017',
  })
  node_id?: string;

  @ApiPropertyOptional({
    example: '1042',
    description:
      'An event id (only later events: the paging cursor) or an ISO 8601 time (events at or after it)',
  })
  @IsOptional()
  @Matches(/^(\d{1,18}|\d{4}-\d{2}-\d{2}.*)$/, {
    message: 'since must be an event id or an ISO 8601 date-time',
  })
  since?: string;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000, example: 100 })
  @IsOptional()
  @IsIntIn(1, 1000)
  limit = 100;
}
