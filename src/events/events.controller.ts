import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiErrorDto } from '../common/api-error';
import { ApiStandardErrors } from '../common/api-responses';
import { errorBody } from '../common/http-exception.filter';
import { DeploymentIdParam } from '../common/id-param.dto';
import { EventListResponse } from './dto/event.response';
import { ListEventsQuery } from './dto/list-events.query';
import { EventStreamsService, STREAM_RETRY_AFTER_SECONDS } from './event-streams.service';
import { EventsService } from './events.service';
import { StreamHolder } from './stream-slots';

/** Whose stream slot a request takes: its API key's name, or its address when the API is open. */
function streamHolder(request: FastifyRequest & { apiKeyName?: string }): StreamHolder {
  return request.apiKeyName
    ? { id: `key:${request.apiKeyName}`, label: `API key "${request.apiKeyName}"` }
    : { id: `ip:${request.ip}`, label: `client ${request.ip}` };
}

@ApiTags('events')
@Controller('deployments/:id/events')
export class EventsController {
  constructor(
    private readonly events: EventsService,
    private readonly streams: EventStreamsService,
  ) {}

  @Get()
  @ApiOperation({
    summary: "Page through a deployment's audit trail, oldest first",
    description:
      'Every change made through the API and every node state change, with the node, before/after values, the request id that caused it and the actor. Filters: `type`, `node_id` (id or name), `since` (an event id for the next page, or an ISO 8601 time), `limit` 1..1000 (default 100). 404 once the deployment is deleted: its events stay, ending with `DEPLOYMENT_DELETED`, and are read at `GET /events?deployment_id={id}`.',
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
    description: `Sends the deployment's events from the first one, then new ones as they commit: each event once, in commit order, with \`id:\` and the event JSON as \`data:\`. Reconnect with \`Last-Event-ID\` to get only what was missed. When the deployment is deleted the stream sends its last event (\`DEPLOYMENT_DELETED\`), then \`event: end\`; it also ends with \`event: end\` when the server stops. A comment line (keep-alive) follows 15 s of silence. Works with the API and the workers in separate processes (events are read from PostgreSQL, by one poller per deployment and process, whatever the number of streams). A process serves at most MAX_EVENT_STREAMS streams (default 1000), one API key (or client address when the API is open) at most MAX_EVENT_STREAMS_PER_KEY of them (default 100): beyond, 429 with Retry-After, and the open streams go on.`,
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
          'retry: 2000\n\nid: 1042\ndata: {"id":1042,"deployment_id":1,"node_id":17,"node_identifier":"node-017","type":"STATE_CHANGE","from_state":"CONFIGURING","to_state":"RUNNING","reason":null,"metadata":{},"request_id":null,"actor":null,"created_at":"2026-11-27T10:00:15.000Z"}\n\n',
      },
    },
  })
  @ApiResponse({
    status: 429,
    description: 'Too Many Requests: this key or this server has as many streams open as allowed',
    type: ApiErrorDto,
    headers: {
      'Retry-After': {
        description: 'Seconds to wait before trying again',
        schema: { type: 'integer', example: STREAM_RETRY_AFTER_SECONDS },
      },
    },
    example: {
      status_code: 429,
      error: 'Too Many Requests',
      detail:
        'API key "grafana" has 100 event streams open, the most one client may hold (MAX_EVENT_STREAMS_PER_KEY=100); close one first',
    },
  })
  @ApiStandardErrors('404')
  async stream(
    @Param() { id }: DeploymentIdParam,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // The slot is taken before anything is awaited, so concurrent requests cannot overshoot.
    const holder = streamHolder(request);
    const refusal = this.streams.reserve(holder);
    if (refusal) {
      void reply
        .status(429)
        .header('retry-after', String(STREAM_RETRY_AFTER_SECONDS))
        .header('content-type', 'application/json; charset=utf-8')
        .send(errorBody(429, refusal.detail));
      return;
    }
    let cursor;
    try {
      cursor = await this.events.cursorAfter(id, lastEventId);
    } catch (error) {
      this.streams.release(holder);
      throw error;
    }
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
    });
    void this.streams.serve(id, cursor, reply.raw, holder);
  }
}
