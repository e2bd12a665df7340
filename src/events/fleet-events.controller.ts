import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-responses';
import { EventListResponse } from './dto/event.response';
import { FleetEventsQuery } from './dto/fleet-events.query';
import { EventsService } from './events.service';

@ApiTags('events')
@Controller('events')
export class FleetEventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @ApiOperation({
    summary: "Page through any deployment's audit trail, also after it was deleted",
    description:
      'The events of `deployment_id`, oldest first, paged and filtered like `GET /deployments/{id}/events`: `type`, `node_id` (id or name), `since` (an event id for the next page, or an ISO 8601 time), `limit` 1..1000 (default 100). Works for deleted deployments: deleting one keeps its events, ending with `DEPLOYMENT_DELETED` (actor, request id, what was removed); events go only when older than EVENT_RETENTION_DAYS (default 90). A deployment id without events (never created, or everything expired) gives an empty page, not 404. `deployment_id` is required (422 without it).',
  })
  @ApiResponse({ status: 200, type: EventListResponse })
  @ApiStandardErrors()
  async list(@Query() query: FleetEventsQuery): Promise<EventListResponse> {
    return this.events.listAny(query.deployment_id, query);
  }
}
