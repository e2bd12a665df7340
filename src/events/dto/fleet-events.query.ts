import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { MAX_INT32 } from '../../common/id-param.dto';
import { ListEventsQuery } from './list-events.query';

/** The per-deployment page's filters, with the deployment named in the query. */
export class FleetEventsQuery extends ListEventsQuery {
  @ApiProperty({
    example: 1,
    minimum: 1,
    description:
      'The deployment whose events to list; it may have been deleted (its events stay until EVENT_RETENTION_DAYS)',
  })
  // As IsIntegerId, saying what is missing when it is; the top decorator's message is shown.
  @IsInt({
    message: ({ value }) =>
      value === undefined
        ? 'deployment_id is required: events are listed one deployment at a time'
        : 'deployment_id must be an integer number',
  })
  @Min(1)
  @Max(MAX_INT32)
  @Type(() => Number)
  deployment_id: number;
}
