import {
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { parseIsoDate } from '../common/iso-date';
import { nodeName, parseNodeRef } from '../domain/node-ref';
import { DeploymentsRepository } from '../store/deployments.repository';
import {
  EventFilter,
  EventsRepository,
  STREAM_START,
  StreamCursor,
} from '../store/events.repository';
import { EventListResponse, EventResponse } from './dto/event.response';
import { ListEventsQuery } from './dto/list-events.query';

/** Paging through the audit trail, and where a live stream starts. */
@Injectable()
export class EventsService {
  constructor(
    @Inject(EventsRepository) private readonly events: EventsRepository,
    @Inject(DeploymentsRepository) private readonly deployments: DeploymentsRepository,
  ) {}

  /**
   * Oldest first; `since` is an event id (exclusive, the paging cursor) or a time (inclusive).
   * 404 once the deployment is deleted: its events are then read with {@link listAny}.
   */
  async list(deploymentId: number, query: ListEventsQuery): Promise<EventListResponse> {
    await this.requireDeployment(deploymentId);
    return this.listAny(deploymentId, query);
  }

  /**
   * The same page for any deployment id, existing or deleted (events outlive their deployment
   * until EVENT_RETENTION_DAYS); empty for an id that never had events.
   */
  async listAny(deploymentId: number, query: ListEventsQuery): Promise<EventListResponse> {
    const filter: EventFilter = { limit: query.limit };
    if (query.type) filter.type = query.type.toUpperCase();
    if (query.node_id) {
      const ref = parseNodeRef(query.node_id);
      if (!ref) throw new UnprocessableEntityException('node_id must be a node id or a name');
      if (ref.kind === 'id') filter.nodeId = ref.id;
      else filter.nodeIdentifier = nodeName(ref.seq);
    }
    if (query.since) {
      if (/^\d+$/.test(query.since)) {
        filter.afterId = query.since;
      } else {
        const at = parseIsoDate(query.since);
        if (!at) {
          throw new UnprocessableEntityException(
            'since must be an event id or an ISO 8601 date-time such as 2026-11-27T10:00:00Z',
          );
        }
        filter.since = at;
      }
    }
    const events = (await this.events.list(deploymentId, filter)).map((row) =>
      EventResponse.from(row),
    );
    return {
      events,
      next_since: events.length === query.limit ? events[events.length - 1].id : null,
    };
  }

  /**
   * Where a reconnecting client resumes: right after the event it saw last (404 when the
   * deployment is gone, 422 for an id that is not one).
   */
  async cursorAfter(deploymentId: number, lastEventId: string | undefined): Promise<StreamCursor> {
    await this.requireDeployment(deploymentId);
    if (lastEventId === undefined || lastEventId.trim() === '') return STREAM_START;
    if (!/^\d{1,18}$/.test(lastEventId.trim())) {
      throw new UnprocessableEntityException('Last-Event-ID must be an event id');
    }
    return this.events.cursorAfter(deploymentId, lastEventId.trim());
  }

  private async requireDeployment(deploymentId: number): Promise<void> {
    if (!(await this.deployments.exists(deploymentId))) {
      throw new NotFoundException('Deployment not found');
    }
  }
}
