import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiStandardErrors } from '../common/api-responses';
import { DeploymentIdParam } from '../common/id-param.dto';
import { EventListResponse } from './dto/event.response';
import { ListEventsQuery } from './dto/list-events.query';
import { EventsService } from './events.service';

@ApiTags('events')
@Controller('deployments/:id/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @ApiOperation({
    summary: "Page through a deployment's audit trail, oldest first",
    description:
      'Every change made through the API and every node state change, with the node, before/after values and the request id that caused it. Filters: `type`, `node_id` (id or name), `since` (an event id for the next page, or an ISO 8601 time), `limit` 1..1000 (default 100).',
  })
  @ApiResponse({ status: 200, type: EventListResponse })
  @ApiStandardErrors('404')
  async list(
    @Param() { id }: DeploymentIdParam,
    @Query() query: ListEventsQuery,
  ): Promise<EventListResponse> {
    return this.events.list(id, query);
  }

  @Get('stream')
  @ApiOperation({
    summary: 'Live events (Server-Sent Events)',
    description:
      "Sends the deployment's events from the first one, then new ones as they commit: each event once, with `id:` and the event JSON as `data:`. Reconnect with `Last-Event-ID` to get only what was missed. Ends with `event: end` when the deployment is deleted. Works with the API and the workers in separate processes (events are read from PostgreSQL).",
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'Resume after this event id',
    example: '1042',
  })
  @ApiResponse({
    status: 200,
    description: 'An event stream',
    content: {
      'text/event-stream': {
        example:
          'retry: 2000\n\nid: 1042\ndata: {"id":1042,"deployment_id":1,"node_id":17,"node_identifier":"node-017","type":"STATE_CHANGE","from_state":"CONFIGURING","to_state":"RUNNING","reason":null,"metadata":{},"request_id":null,"created_at":"2026-11-27T10:00:15.000Z"}\n\n',
      },
    },
  })
  @ApiStandardErrors('404')
  async stream(
    @Param() { id }: DeploymentIdParam,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const cursor = await this.events.cursorAfter(id, lastEventId);
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
    });
    void this.events.stream(id, cursor, reply.raw);
  }
}
